package scalar

import "fmt"

// Sum returns the sum of xs (0 for none), as one node with an edge to each
// input that is not a constant: the backward sweep then adds to the inputs'
// adjoints independently, where a chain of Adds makes each wait for the
// last. Its value is the left-to-right sum, as a chain of Adds computes it.
func (tp *Tape) Sum(xs ...Var) Var {
	off := len(tp.edges)
	es := tp.reserve(len(xs))
	n, s := 0, 0.0
	for _, x := range xs {
		s += x.v
		if x.i != 0 {
			es[n] = edge{i: x.i, d: 1}
			n++
		}
	}
	tp.edges = tp.edges[:off+n]
	return tp.nary(s, off)
}

// Dot returns Σ xs[k]·ys[k], summed left to right, as one node. It panics if
// the lengths differ.
func (tp *Tape) Dot(xs, ys []Var) Var {
	if len(xs) != len(ys) {
		panic(fmt.Sprintf("scalar: Dot of %d and %d values", len(xs), len(ys)))
	}
	off := len(tp.edges)
	es := tp.reserve(2 * len(xs))
	n, s := 0, 0.0
	for k, x := range xs {
		y := ys[k]
		s += x.v * y.v
		if x.i != 0 {
			es[n] = edge{i: x.i, d: y.v}
			n++
		}
		if y.i != 0 {
			es[n] = edge{i: y.i, d: x.v}
			n++
		}
	}
	tp.edges = tp.edges[:off+n]
	return tp.nary(s, off)
}

// DotIndexed returns Σₖ cs[k]·xs[idx[k]], summed in order, as one node:
// a row of a design matrix (its non-zero entries cs at columns idx) times
// the coefficients xs, a linear predictor. It panics if idx and cs differ
// in length or an index is outside xs.
func (tp *Tape) DotIndexed(xs []Var, idx []int, cs []float64) Var {
	if len(idx) != len(cs) {
		panic(fmt.Sprintf("scalar: DotIndexed of %d indices and %d coefficients", len(idx), len(cs)))
	}
	off := len(tp.edges)
	es := tp.reserve(len(idx))
	n, s := 0, 0.0
	for k, j := range idx {
		x, c := xs[j], cs[k]
		s += c * x.v
		if x.i != 0 {
			es[n] = edge{i: x.i, d: c}
			n++
		}
	}
	tp.edges = tp.edges[:off+n]
	return tp.nary(s, off)
}

// Fuse3 returns f of the values of a, b and c, with f's partials towards
// them, as one op, and true, where o's values are scalars: on a *Tape, one
// node instead of one per elementary op; on Float, f's value. For any other
// Ops (package tensor's tape, whose ops have derivatives of every order) it
// returns false, and the caller composes the same function of o's ops. A
// fused function must agree with its composed form, which the tests of each
// one check: package dist's densities are written this way.
func Fuse3[T any, O Ops[T]](o O, a, b, c T, f func(a, b, c float64) (y, da, db, dc float64)) (T, bool) {
	switch o := any(o).(type) {
	case *Tape:
		va, vb, vc := any(a).(Var), any(b).(Var), any(c).(Var)
		y, da, db, dc := f(va.v, vb.v, vc.v)
		return any(o.fuse3(y, va, da, vb, db, vc, dc)).(T), true
	case Float:
		y, _, _, _ := f(any(a).(float64), any(b).(float64), any(c).(float64))
		return any(y).(T), true
	}
	var zero T
	return zero, false
}

// fuse3 records y = f(a, b, c) with partials da, db and dc as one node, with
// an edge to each input that is not a constant.
func (tp *Tape) fuse3(y float64, a Var, da float64, b Var, db float64, c Var, dc float64) Var {
	switch {
	case a.i == 0:
		return tp.binary(y, b, db, c, dc)
	case b.i == 0:
		return tp.binary(y, a, da, c, dc)
	case c.i == 0:
		return tp.binary(y, a, da, b, db)
	}
	off := len(tp.edges)
	tp.edges = append(tp.edges, edge{i: a.i, d: da}, edge{i: b.i, d: db}, edge{i: c.i, d: dc})
	return tp.push(y, node{a: int32(off), b: -3})
}
