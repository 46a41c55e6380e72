package nn

import (
	"fmt"
	"strings"

	"github.com/goebm/goebm/tensor"
)

// Activation is an element-wise nonlinearity used as a layer.
type Activation struct {
	// Name is the activation's name as ActivationByName accepts it.
	Name string
	f    func(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor
}

var _ Module = Activation{}

// Forward applies the nonlinearity.
func (a Activation) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor { return a.f(tp, x) }

// Params returns nil: activations have no parameters.
func (a Activation) Params() []Param { return nil }

// SiLU is x·σ(x), the default for energy networks: smooth, so its score and
// the score's derivatives exist everywhere.
func SiLU() Activation { return Activation{"silu", (*tensor.Tape).SiLU} }

// GELU is x·Φ(x), exact.
func GELU() Activation { return Activation{"gelu", (*tensor.Tape).GELU} }

// Tanh is tanh x.
func Tanh() Activation { return Activation{"tanh", (*tensor.Tape).Tanh} }

// Sigmoid is 1/(1 + e⁻ˣ).
func Sigmoid() Activation { return Activation{"sigmoid", (*tensor.Tape).Sigmoid} }

// Softplus is log(1 + eˣ).
func Softplus() Activation { return Activation{"softplus", (*tensor.Tape).Softplus} }

// ReLU is max(x, 0). Its second derivative is zero, so score matching cannot
// train through it; prefer a smooth activation for energies.
func ReLU() Activation { return Activation{"relu", (*tensor.Tape).ReLU} }

// LeakyReLU is x for x > 0, alpha·x otherwise.
func LeakyReLU(alpha float64) Activation {
	return Activation{"leakyrelu", func(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor { return tp.LeakyReLU(x, alpha) }}
}

// ELU is x for x > 0, alpha·(eˣ − 1) otherwise.
func ELU(alpha float64) Activation {
	return Activation{"elu", func(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor { return tp.ELU(x, alpha) }}
}

var activations = []struct {
	name string
	make func() Activation
	doc  string
}{
	{"silu", SiLU, "x·σ(x), smooth (default)"},
	{"gelu", GELU, "x·Φ(x), smooth"},
	{"tanh", Tanh, "tanh x"},
	{"softplus", Softplus, "log(1 + eˣ)"},
	{"sigmoid", Sigmoid, "1/(1 + e⁻ˣ)"},
	{"elu", func() Activation { return ELU(1) }, "x or eˣ − 1 (alpha 1)"},
	{"leakyrelu", func() Activation { return LeakyReLU(0.01) }, "x or 0.01x"},
	{"relu", ReLU, "max(x, 0); no second derivative, so not for score matching"},
}

// ActivationNames returns the names ActivationByName accepts, each with a
// one-line description.
func ActivationNames() [][2]string {
	out := make([][2]string, len(activations))
	for i, a := range activations {
		out[i] = [2]string{a.name, a.doc}
	}
	return out
}

// ActivationByName returns the activation with the given name
// (case-insensitive), or an error listing the valid names.
func ActivationByName(name string) (Activation, error) {
	var names []string
	for _, a := range activations {
		if strings.EqualFold(a.name, name) {
			return a.make(), nil
		}
		names = append(names, a.name)
	}
	return Activation{}, fmt.Errorf("nn: unknown activation %q (valid: %s)", name, strings.Join(names, ", "))
}
