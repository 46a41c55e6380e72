package loss

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/normflow"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/tensor"
)

// FCE is flow contrastive estimation (Gao, Nijkamp, Kingma, Xu, Dai and Wu,
// CVPR 2020): NCE whose noise is a normalising flow q_α that learns. The
// energy, with a learned log-normaliser c, is the classifier
// D = p_θ/(p_θ + q_α) of data against as many flow draws, and the two play
//
//	max_{θ,c} min_α V,  V = E_data log D + E_q log(1 − D),
//
// a game whose fixed point is p_θ = q_α = the data density: the energy's
// best reply to any flow is the data (NCE is consistent for any noise), and
// the flow's best reply to the data is the data (V is then 2·JS − log 4).
// As the flow nears the data, telling them apart makes the energy learn
// detail that a fixed noise leaves out.
//
// As in the paper, the two alternate. A call with a tape (a training step)
// first moves the flow: it draws n points by reparameterisation, computes V
// on them and the batch with the energy and c as they are, and takes one
// step of the run's own Adam (learning rate FlowLR) down V. It then
// returns NCE's loss, −V, against n fresh draws of the moved flow, whose
// log densities are constants: the trainer's step on it moves only θ and
// c. A call without a tape evaluates, moving nothing. The flow has its
// own optimizer because the game needs it slower than the energy. On two
// moons (ebm train's defaults: the energy's Adam at 2e-3 decaying to
// 4e-5, 3000 steps), a flow at 2e-3 outran the energy: −V stayed above
// log 4 (1.58 at the end) and the energy's NLL − H was 0.93 nats, against
// 0.44 for NCE with the fixed fitted Gaussian; at 2e-4 it was 0.61, and
// at 5e-5 0.38 and 0.32 on two seeds, against NCE's 0.44 and 0.34.
//
// FCE is State: Start clones Flow; the run's Params are c ("fce.logZ"),
// and its Save holds the flow's parameters and its optimizer's moments, so
// that a resumed run continues exactly. The flow is not part of the trained
// model; only the energy is.
type FCE struct {
	// Flow is the flow each run starts from (normflow.NewRealNVP fitted
	// to the data, say); runs train clones and leave it unchanged.
	Flow *normflow.Flow
	// FlowLR is the learning rate of the flow's Adam; 0 means 5e-5,
	// negative keeps the flow fixed (then FCE is NCE against it).
	FlowLR float64
}

// Start returns the loss of a fresh run, whose state holds c, at 0, a clone
// of the flow and the flow's optimizer.
func (l FCE) Start() (EnergyLoss, State) {
	r := &fceRun{logZ: tensor.Zeros(1), opt: &optim.Adam{LR: cmp.Or(l.FlowLR, 5e-5)}, fixed: l.FlowLR < 0}
	if l.Flow != nil {
		r.flow = l.Flow.Clone()
	}
	return r, r
}

// Loss returns the FCE loss of net on x with c = 0 and the flow as set,
// after the flow's first step when tp is not nil: the first step of a fresh
// run.
func (l FCE) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return firstStep(l.Start, tp, net, x, rng)
}

// fceRun is an FCE run: the learned log-normaliser, the run's flow and its
// optimizer.
type fceRun struct {
	logZ  *tensor.Tensor
	flow  *normflow.Flow
	opt   *optim.Adam
	fixed bool
	ftp   *tensor.Tape // the flow step's tape, reused
}

// Params returns c, "fce.logZ".
func (r *fceRun) Params() []nn.Param { return []nn.Param{{Name: "fce.logZ", Value: r.logZ}} }

// Save returns the flow's parameters ("flow.…") and its optimizer's step
// count and moments ("flow.adam": steps, then the first moments, then the
// second, packed in the order of the parameters; the count alone before
// the first step).
func (r *fceRun) Save() []nn.Param {
	if r.flow == nil {
		return nil
	}
	var out []nn.Param
	for _, p := range r.flow.Params() {
		out = append(out, nn.Param{Name: "flow." + p.Name, Value: p.Value})
	}
	st := r.opt.State()
	packed := []float64{float64(st.Steps)}
	for _, b := range st.Buffers {
		packed = append(packed, b...)
	}
	return append(out, nn.Param{Name: "flow.adam", Value: tensor.New(packed, len(packed))})
}

// Restore takes what Save wrote for a flow of the same layers and sizes,
// and refuses anything else, changing nothing.
func (r *fceRun) Restore(saved []nn.Param) error {
	bad := func(why string) error {
		return fmt.Errorf("loss: FCE state %v: %s: %w", names(saved), why, ErrInvalid)
	}
	if r.flow == nil {
		if len(saved) > 0 {
			return bad("want none without a flow")
		}
		return nil
	}
	ps := r.flow.Params()
	if len(saved) != len(ps)+1 {
		return bad(fmt.Sprintf("want the flow's %d parameters and its optimizer", len(ps)))
	}
	total := 0
	for i, p := range ps {
		s := saved[i]
		if s.Name != "flow."+p.Name || s.Value.Len() != p.Value.Len() {
			return bad(fmt.Sprintf("entry %d is %q of %d values, want %q of %d", i, s.Name, s.Value.Len(), "flow."+p.Name, p.Value.Len()))
		}
		total += p.Value.Len()
	}
	a := saved[len(ps)]
	packed := a.Value.Data()
	if a.Name != "flow.adam" || (len(packed) != 1 && len(packed) != 1+2*total) {
		return bad(fmt.Sprintf("the optimizer's entry is %q of %d values, want flow.adam of 1 or %d", a.Name, len(packed), 1+2*total))
	}
	steps := packed[0]
	if !(steps >= 0) || steps != math.Trunc(steps) || steps > 1<<53 {
		return bad(fmt.Sprintf("the optimizer's step count %g", steps))
	}
	st := optim.State{Steps: int(steps)}
	if len(packed) > 1 {
		off := 1
		for range 2 {
			for _, p := range ps {
				st.Buffers = append(st.Buffers, append([]float64(nil), packed[off:off+p.Value.Len()]...))
				off += p.Value.Len()
			}
		}
	}
	if err := r.opt.SetState(st); err != nil {
		return bad(err.Error())
	}
	for i, p := range ps {
		copy(p.Value.Data(), saved[i].Value.Data())
	}
	return nil
}

func (r *fceRun) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	if r.flow == nil {
		return nil, fmt.Errorf("loss: FCE without a flow: %w", ErrInvalid)
	}
	if r.flow.Dim() != x.Dim(1) {
		return nil, fmt.Errorf("loss: FCE flow of dimension %d for data of dimension %d: %w", r.flow.Dim(), x.Dim(1), ErrInvalid)
	}
	if tp != nil && !r.fixed {
		if err := r.flowStep(net, x, rng); err != nil {
			return nil, err
		}
	}
	qx, err := r.flow.LogDensity(nil, x)
	if err != nil {
		return nil, fmt.Errorf("loss: FCE: %w", err)
	}
	y, qy := r.flow.Sample(nil, rng, x.Dim(0))
	return contrast(tp, net, x, y, r.logZ, qx, qy)
}

// flowStep takes one step of the flow's optimizer down V (up the loss −V)
// with the energy and c held as they are.
func (r *fceRun) flowStep(net nn.Module, x *tensor.Tensor, rng *rand.Rand) error {
	if r.ftp == nil {
		r.ftp = tensor.NewTape()
	}
	tp := r.ftp
	defer tp.Reset()
	qx, err := r.flow.LogDensity(tp, x)
	if err != nil {
		return fmt.Errorf("loss: FCE: %w", err)
	}
	y, qy := r.flow.Sample(tp, rng, x.Dim(0))
	v, err := contrast(tp, net, x, y, r.logZ.Detach(), qx, qy)
	if err != nil {
		return err
	}
	ps := nn.Values(r.flow.Params())
	// The flow ascends on −V: its optimizer descends on V, whose gradient
	// is the negated gradient of the loss.
	grads := tp.Grad([]*tensor.Tensor{tp.Neg(v)}, ps, tensor.GradOptions{})
	if err := r.opt.Step(ps, grads); err != nil {
		return fmt.Errorf("loss: FCE flow step: %w", err)
	}
	return nil
}
