package scalar

import (
	"fmt"
	"slices"
)

// Var is a value on a Tape: a leaf, a constant, or the result of an op.
// Vars are small values, passed and stored by value.
type Var struct {
	v float64
	i int32 // the node that made it; 0 for constants
}

// Value returns the value.
func (x Var) Value() float64 { return x.v }

// Const reports whether x is a constant: no gradient flows through it.
func (x Var) Const() bool { return x.i == 0 }

// node is one op: the indices of its inputs and the partial derivatives of
// its output with respect to them. Node k is nodes[k−1]; index 0 stands for
// the constants, which have no node. A unary op has b = 0, which Grad skips
// (rather than summing a partial of 0 into a sink, which every unary node
// would write: that chained the whole sweep on one memory cell). An op of
// more inputs (Sum, Dot, Fuse3) has b < 0: its inputs and partials are the
// −b edges from edges[a].
type node struct {
	a, b   int32
	da, db float64
}

// edge is one input of an n-ary node and the partial towards it.
type edge struct {
	i int32
	d float64
}

// Tape records scalar ops for one backward sweep. The zero Tape is ready to
// use.
type Tape struct {
	nodes   []node
	edges   []edge // the inputs of n-ary nodes
	adj     []float64
	vars    []Var // Gradient's leaves, reused
	scratch []Var // Scratch's arena
	used    int   // of scratch, since the last Reset
}

// NewTape returns an empty tape with room for n ops before it grows.
func NewTape(n int) *Tape {
	return &Tape{nodes: make([]node, 0, n), adj: make([]float64, 0, n+1)}
}

// Len returns the number of nodes recorded since the last Reset, leaves
// included.
func (tp *Tape) Len() int { return len(tp.nodes) }

// Reset forgets every node and keeps the storage. Vars made before a Reset
// must not be used after it.
func (tp *Tape) Reset() {
	tp.nodes = tp.nodes[:0]
	tp.edges = tp.edges[:0]
	tp.used = 0
}

// Scratch returns n Vars of storage that the tape owns: room for a model's
// intermediate vectors, such as the terms of a Sum, that costs no
// allocation per evaluation once the tape has held one. The slices of one
// evaluation do not overlap; they are reused after a Reset, so, like Vars,
// they must not be kept across it. Its Vars start as the constant 0.
func (tp *Tape) Scratch(n int) []Var {
	if tp.used+n > len(tp.scratch) {
		// The slices already handed out keep the old array.
		tp.scratch = make([]Var, max(2*len(tp.scratch), tp.used+n))
	}
	s := tp.scratch[tp.used : tp.used+n : tp.used+n]
	tp.used += n
	clear(s)
	return s
}

// Var returns a new leaf holding v: a variable that Grad differentiates
// with respect to.
func (tp *Tape) Var(v float64) Var {
	return tp.push(v, node{})
}

// Vars sets dst[i] to a new leaf holding x[i] and returns dst.
func (tp *Tape) Vars(dst []Var, x []float64) []Var {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("scalar: Vars: %d slots for %d values", len(dst), len(x)))
	}
	for i, v := range x {
		dst[i] = tp.push(v, node{})
	}
	return dst
}

// Const returns the constant c, which takes no node.
func (tp *Tape) Const(c float64) Var { return Var{v: c} }

func (tp *Tape) push(v float64, n node) Var {
	tp.nodes = append(tp.nodes, n)
	return Var{v: v, i: int32(len(tp.nodes))}
}

// unary records y = f(x) with f′(x) = d.
func (tp *Tape) unary(y float64, x Var, d float64) Var {
	if x.i == 0 {
		return Var{v: y}
	}
	return tp.push(y, node{a: x.i, da: d})
}

// binary records y = f(a, b) with partials da and db. A constant input takes
// no edge: with b.i = 0 the node is a unary one, and a constant a trades
// places with b.
func (tp *Tape) binary(y float64, a Var, da float64, b Var, db float64) Var {
	if a.i == 0 {
		a, da, b = b, db, a
		if a.i == 0 {
			return Var{v: y}
		}
	}
	return tp.push(y, node{a: a.i, b: b.i, da: da, db: db})
}

// The n-ary seam: an op that starts at off = len(tp.edges), writes an edge
// for each input that is not a constant into the room that reserve gives,
// keeps them by reslicing tp.edges, and ends with nary records one node,
// however many inputs it has. A node left with one or two inputs is stored
// as a unary or binary one.

// reserve returns room for n edges after the current ones, for the
// caller to fill and then keep by reslicing tp.edges.
func (tp *Tape) reserve(n int) []edge {
	off := len(tp.edges)
	tp.edges = slices.Grow(tp.edges, n)
	return tp.edges[off : off+n]
}

// nary records y as the node of the edges from off on.
func (tp *Tape) nary(y float64, off int) Var {
	es := tp.edges[off:]
	switch len(es) {
	case 0:
		return Var{v: y}
	case 1:
		tp.edges = tp.edges[:off]
		return tp.push(y, node{a: es[0].i, da: es[0].d})
	case 2:
		tp.edges = tp.edges[:off]
		return tp.push(y, node{a: es[0].i, b: es[1].i, da: es[0].d, db: es[1].d})
	}
	return tp.push(y, node{a: int32(off), b: int32(-len(es))})
}

// Grad returns out's value and sets g[k] = ∂out/∂wrt[k]. A Var that out does
// not depend on, or a constant, gets 0. The nodes stay: Grad may be called
// again, for another output of the same graph.
func (tp *Tape) Grad(out Var, wrt []Var, g []float64) float64 {
	if len(g) != len(wrt) {
		panic(fmt.Sprintf("scalar: Grad: %d gradient slots for %d variables", len(g), len(wrt)))
	}
	n := len(tp.nodes)
	if cap(tp.adj) < n+1 {
		tp.adj = make([]float64, n+1, 2*(n+1))
	}
	adj := tp.adj[:n+1] // adj[k] for node k; adj[0] is not read
	clear(adj)
	if out.i != 0 {
		adj[out.i] = 1
	}
	nodes, edges := tp.nodes, tp.edges
	for i := int(out.i); i > 0; i-- {
		gi := adj[i]
		if gi == 0 {
			continue
		}
		nd := &nodes[i-1]
		switch {
		case nd.b > 0:
			adj[nd.a] += nd.da * gi
			adj[nd.b] += nd.db * gi
		case nd.b == 0:
			adj[nd.a] += nd.da * gi
		default:
			for _, e := range edges[nd.a : nd.a-nd.b] {
				adj[e.i] += e.d * gi
			}
		}
	}
	for k, x := range wrt {
		if x.i == 0 || int(x.i) > n {
			g[k] = 0
			continue
		}
		g[k] = adj[x.i]
	}
	return out.v
}

// Gradient evaluates f at x on tp, after a Reset, and returns f(x) with its
// gradient in g. It allocates nothing once tp has held one evaluation of f.
func (tp *Tape) Gradient(f func(tp *Tape, x []Var) Var, x, g []float64) float64 {
	tp.Reset()
	if cap(tp.vars) < len(x) {
		tp.vars = make([]Var, len(x))
	}
	xs := tp.Vars(tp.vars[:len(x)], x)
	return tp.Grad(f(tp, xs), xs, g)
}
