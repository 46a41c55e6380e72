package energy

import (
	"fmt"
	"math"
)

// Joint is an Energy whose rows form one system: the energy of a point
// depends on where the other points of its batch are, by design (not, as
// with BatchDependent, in its last bits). Samplers give such an energy
// all their chains in one batch, and only the unadjusted kernels, which
// follow the summed energy's gradient without an accept test per chain
// (Langevin, gradient descent), can move them.
type Joint interface {
	Energy
	// Joint reports whether the rows of a batch interact.
	Joint() bool
}

// IsJoint reports whether e says that the rows of a batch interact.
func IsJoint(e Energy) bool {
	j, ok := e.(Joint)
	return ok && j.Joint()
}

// Interaction is Energy Matching's interacting potential (Balcerak et al.
// 2025; TorchEBM's InteractionModel): a potential V with a pairwise
// repulsion between the points of a batch, for diverse samples,
//
//	Eᵢ = V(xᵢ) − Wᵢ,   Wᵢ = ½(s/σ²)·Σⱼ‖xᵢ − xⱼ‖²,
//
// with s the Strength and σ the Bandwidth. Its gradient is that of the
// batch's summed energy, ∇V(xᵢ) − (2sB/σ²)(xᵢ − x̄) for a batch of B points
// with mean x̄, so Langevin on it pushes the chains apart. Keep 2sBη/σ²
// well below 1 (η the step size), or the chains spread without bound; the
// target exp(−ΣᵢEᵢ) is itself proper only while V outgrows the repulsion
// (for V = ½‖x‖², while 2sB/σ² < 1). The distances use
// Σⱼ‖xᵢ − xⱼ‖² = B‖xᵢ − x̄‖² + Σⱼ‖xⱼ − x̄‖², exact, without the cancellation
// of the expansion in raw norms.
type Interaction struct {
	// V is the potential.
	V Energy
	// Strength s of the repulsion; 0 leaves V alone.
	Strength float64
	// Bandwidth σ of the repulsion: positive.
	Bandwidth float64
}

var _ Joint = Interaction{}

// NewInteraction returns V with the repulsion of strength s and bandwidth
// σ, or an error when σ is not positive or s is negative or not finite.
func NewInteraction(v Energy, strength, bandwidth float64) (Interaction, error) {
	if v == nil {
		return Interaction{}, fmt.Errorf("energy: Interaction without a potential: %w", ErrInvalid)
	}
	if !(bandwidth > 0) || math.IsInf(bandwidth, 0) || !(strength >= 0) || math.IsInf(strength, 0) {
		return Interaction{}, fmt.Errorf("energy: Interaction with strength %g and bandwidth %g: want a finite strength ≥ 0 and bandwidth > 0: %w", strength, bandwidth, ErrInvalid)
	}
	return Interaction{V: v, Strength: strength, Bandwidth: bandwidth}, nil
}

// Dim returns V's dimension.
func (in Interaction) Dim() int { return in.V.Dim() }

// Joint reports that the rows interact, unless the strength is 0.
func (in Interaction) Joint() bool { return in.Strength != 0 }

// BatchDependent reports whether V's values depend on the batch.
func (in Interaction) BatchDependent() bool { return IsBatchDependent(in.V) }

// Energy evaluates V(xᵢ) − Wᵢ for each row.
func (in Interaction) Energy(e, x []float64, d int) {
	in.V.Energy(e, x, d)
	in.repel(e, nil, x, d)
}

// Grad evaluates the energies and the gradient of their sum.
func (in Interaction) Grad(e, g, x []float64, d int) {
	in.V.Grad(e, g, x, d)
	in.repel(e, g, x, d)
}

// repel subtracts Wᵢ from e and its gradient from g (when not nil).
func (in Interaction) repel(e, g, x []float64, d int) {
	checkBatch(e, g, x, d)
	n := len(e)
	if n == 0 || in.Strength == 0 {
		return
	}
	mean := make([]float64, d)
	for i := range n {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	spread := make([]float64, n) // ‖xᵢ − x̄‖²
	total := 0.0
	for i := range n {
		s := 0.0
		for j, v := range x[i*d : (i+1)*d] {
			r := v - mean[j]
			s += r * r
		}
		spread[i] = s
		total += s
	}
	c := in.Strength / (in.Bandwidth * in.Bandwidth)
	b := float64(n)
	for i := range n {
		e[i] -= 0.5 * c * (b*spread[i] + total)
		if g != nil {
			for j, v := range x[i*d : (i+1)*d] {
				g[i*d+j] -= 2 * c * b * (v - mean[j])
			}
		}
	}
}
