package tensor

// Tape records the ops applied to tensors so that Grad can run them backwards.
//
// Every op is a method on *Tape. A nil *Tape is valid and records nothing:
// it is the no-grad mode, for pure evaluation, and allocates no tape.
//
// A Tape also owns the storage of the tensors its ops make. Reset forgets the
// graph and recycles that storage, so a loop that calls Reset each iteration
// stops allocating once it has seen its largest step. Tensors made on the
// tape, gradients included, must not be used after Reset; Clone what you keep.
//
// A Tape is not safe for concurrent use: give each goroutine its own.
type Tape struct {
	nodes  []node
	gen    uint64    // bumped when the graph is freed, so stale tensors read as leaves
	paused bool      // set while Grad runs VJPs without CreateGraph
	noGrad bool      // never records: storage recycling only
	sums   *gradSums // set while a first-order Grad runs: its in-place sums
	limit  int       // the most cores an op runs on (SetCores); 0: every core, as the kernels take it

	free map[int][][]float64 // recycled buffers by length
	used [][]float64         // buffers handed out since the last Reset
}

// node is one recorded op: its output, inputs, and vector-Jacobian product.
// vjp returns one gradient per input, computed only where need[i] is true
// (a nil entry means zero). It is written with the tape's ops, so when Grad
// records it the result can be differentiated again.
type node struct {
	out  *Tensor
	ins  []*Tensor
	vjp  func(g *Tensor, need []bool) []*Tensor
	lazy lazyKind // the lazy gradients (gradSums) vjp takes as they come
}

// lazyKind names the lazy gradients an op's vjp takes unwritten.
type lazyKind uint8

const (
	takesNone lazyKind = iota
	takesSiLU          // a SiLU's gradient: a convolution's vjp (convAdjSiLU)
	takesConv          // a convolution's adjoint: a SiLU's vjp (lazySiLU)
)

// NewTape returns an empty recording tape. The zero Tape is one too.
func NewTape() *Tape { return &Tape{free: map[int][][]float64{}} }

// NewNoGradTape returns a tape that records nothing, like a nil tape, but
// recycles storage on Reset: for evaluation loops that must not allocate.
func NewNoGradTape() *Tape { return &Tape{free: map[int][][]float64{}, noGrad: true} }

// Reset forgets the recorded graph and recycles the storage of every tensor
// made on the tape since the last Reset.
func (tp *Tape) Reset() {
	tp.freeGraph()
	if tp.free == nil {
		tp.free = map[int][][]float64{}
	}
	for _, b := range tp.used {
		tp.free[len(b)] = append(tp.free[len(b)], b)
	}
	clear(tp.used)
	tp.used = tp.used[:0]
}

// Len returns the number of ops recorded since the graph was last freed.
func (tp *Tape) Len() int {
	if tp == nil {
		return 0
	}
	return len(tp.nodes)
}

func (tp *Tape) freeGraph() {
	clear(tp.nodes) // drop closures so their tensors can be collected
	tp.nodes = tp.nodes[:0]
	tp.gen++
}

func (tp *Tape) recording() bool { return tp != nil && !tp.paused && !tp.noGrad }

// Records reports whether ops on tp are recorded for Grad: false for a nil
// tape, a no-grad one, and inside Grad's own backward pass unless it
// creates a graph.
func (tp *Tape) Records() bool { return tp.recording() }

// SetCores limits each op on tp, and each vector-Jacobian product Grad runs
// on it, to n cores; n ≤ 0 lifts the limit (the default: GOMAXPROCS). The
// values do not depend on it: ops split their work into pieces that do not
// depend on the number of cores. A caller that runs several tapes at once,
// one per goroutine, gives each its share of the cores, so that their ops
// do not each wake every core (nn.Sequential runs chunks of a batch so,
// one core each). It returns tp; tp must not be nil (a nil tape has no
// limit).
func (tp *Tape) SetCores(n int) *Tape {
	tp.limit = max(n, 0)
	return tp
}

// Cores returns the most cores an op on tp runs on: GOMAXPROCS, or less
// where SetCores set a lower limit. A nil tape has no limit.
func (tp *Tape) Cores() int { return resolveCores(tp.cores()) }

// cores is tp's core limit as the kernels take it: 0 for every core.
func (tp *Tape) cores() int {
	if tp == nil {
		return 0
	}
	return tp.limit
}

// alloc returns n float64s whose contents are unspecified.
func (tp *Tape) alloc(n int) []float64 {
	if tp == nil {
		return make([]float64, n)
	}
	var b []float64
	if l := tp.free[n]; len(l) > 0 {
		b = l[len(l)-1]
		l[len(l)-1] = nil
		tp.free[n] = l[:len(l)-1]
	} else {
		b = make([]float64, n)
	}
	tp.used = append(tp.used, b)
	return b
}

// allocZero returns n zeros.
func (tp *Tape) allocZero(n int) []float64 {
	b := tp.alloc(n)
	clear(b)
	return b
}

// make wraps data as a tensor made on this tape (not yet recorded).
func (tp *Tape) make(shape []int, data []float64) *Tensor {
	return &Tensor{shape: cloneInts(shape), data: data}
}

// record adds out, made from ins, to the graph when the tape is recording.
func (tp *Tape) record(out *Tensor, ins []*Tensor, vjp func(g *Tensor, need []bool) []*Tensor) *Tensor {
	out.prec = lowest(ins...)
	if !tp.recording() {
		return out
	}
	tp.nodes = append(tp.nodes, node{out: out, ins: ins, vjp: vjp})
	out.tape, out.gen, out.node = tp, tp.gen, len(tp.nodes)
	return out
}

// takesLazy marks the op that made out as one whose vjp takes lazy
// gradients of kind k itself (gradSums.takeSiLU, lazySiLU), or writes them
// (gradSums.hand).
func (tp *Tape) takesLazy(out *Tensor, k lazyKind) {
	if tp == nil {
		return
	}
	if i := tp.nodeOf(out); i >= 0 {
		tp.nodes[i].lazy = k
	}
}

// nodeOf returns the index of the op that made t on this tape's live graph,
// or -1 when t is a leaf here.
func (tp *Tape) nodeOf(t *Tensor) int {
	if t.tape != tp || t.gen != tp.gen || t.node == 0 {
		return -1
	}
	return t.node - 1
}
