package tensor

import "fmt"

// GradOptions controls Tape.Grad. The zero value asks for first-order
// gradients and frees the graph afterwards.
type GradOptions struct {
	// CreateGraph records the backward pass on the tape, so that the
	// returned gradients can themselves be differentiated. It implies
	// RetainGraph.
	CreateGraph bool
	// RetainGraph keeps the graph for a later Grad over the same ops.
	RetainGraph bool
	// GradOutputs seeds the backward pass: one tensor per output, of the
	// output's shape. Nil means ones, which gives the gradient of the sum of
	// each output's elements.
	GradOutputs []*Tensor
}

// Grad returns the gradients of the sum of outputs (weighted by
// opts.GradOutputs) with respect to each of inputs, in order. Inputs may be
// leaves or intermediate tensors. An input the outputs do not depend on gets
// zeros. Only ops on a path from some input to some output are run backwards,
// and an op computes only the input gradients that are needed, so asking for
// ∇ₓE of a network does not compute its weight gradients.
//
// Without CreateGraph or RetainGraph the graph is freed afterwards, and a
// second Grad through the same ops panics.
func (tp *Tape) Grad(outputs, inputs []*Tensor, opts GradOptions) []*Tensor {
	if tp == nil || tp.noGrad {
		panic("tensor: Grad on a nil or no-grad Tape, which records nothing")
	}
	if opts.GradOutputs != nil && len(opts.GradOutputs) != len(outputs) {
		panic(fmt.Sprintf("tensor: Grad: %d grad outputs for %d outputs", len(opts.GradOutputs), len(outputs)))
	}
	for _, o := range outputs {
		if o.tape == tp && o.node != 0 && o.gen != tp.gen {
			panic("tensor: Grad: the graph of an output was freed by Reset or an earlier Grad without RetainGraph")
		}
	}

	n := len(tp.nodes) // ops recorded during this call are not walked
	isInput := make(map[*Tensor]bool, len(inputs))
	for _, x := range inputs {
		isInput[x] = true
	}
	// live[i]: op i depends on some input, so gradient can reach one through it.
	live := make([]bool, n)
	dep := func(t *Tensor) bool {
		if isInput[t] {
			return true
		}
		i := tp.nodeOf(t)
		return i >= 0 && i < n && live[i]
	}
	for i := range n {
		for _, in := range tp.nodes[i].ins {
			if dep(in) {
				live[i] = true
				break
			}
		}
	}

	if !opts.CreateGraph {
		tp.paused = true
		defer func() { tp.paused = false }()
	}
	grads := make(map[*Tensor]*Tensor)
	accumulate := func(t, g *Tensor) {
		if !sameShape(t.shape, g.shape) {
			panic(fmt.Sprintf("tensor: Grad: gradient of shape %v for a tensor of shape %v", g.shape, t.shape))
		}
		if old := grads[t]; old != nil {
			g = tp.Add(old, g)
		}
		grads[t] = g
	}
	for k, o := range outputs {
		if !dep(o) {
			continue
		}
		var seed *Tensor
		if opts.GradOutputs != nil && opts.GradOutputs[k] != nil {
			seed = opts.GradOutputs[k]
		} else {
			seed = tp.make(o.shape, tp.alloc(len(o.data)))
			fill(seed.data, 1)
		}
		accumulate(o, seed)
	}

	var need []bool
	for i := n - 1; i >= 0; i-- {
		if !live[i] {
			continue
		}
		nd := tp.nodes[i] // a copy: recording may grow tp.nodes
		g := grads[nd.out]
		if g == nil {
			continue
		}
		if !isInput[nd.out] {
			delete(grads, nd.out)
		}
		need = need[:0]
		for _, in := range nd.ins {
			need = append(need, dep(in))
		}
		gs := nd.vjp(g, need)
		for j, in := range nd.ins {
			if need[j] && gs[j] != nil {
				accumulate(in, gs[j])
			}
		}
	}

	res := make([]*Tensor, len(inputs))
	for i, x := range inputs {
		if g := grads[x]; g != nil {
			res[i] = g
		} else {
			res[i] = tp.make(x.shape, tp.allocZero(len(x.data)))
		}
	}
	if !opts.CreateGraph && !opts.RetainGraph {
		tp.freeGraph()
	}
	return res
}

func fill(d []float64, v float64) {
	for i := range d {
		d[i] = v
	}
}
