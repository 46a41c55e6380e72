package interpolant

import (
	"errors"

	"github.com/goebm/goebm/internal/lookup"
)

// ErrInvalid is wrapped by errors about unknown names, bad buffers and
// conversions undefined at a time.
var ErrInvalid = errors.New("invalid interpolant")

var interpolants = []lookup.Entry[Interpolant]{
	{Name: "linear", Doc: "straight path α = t, σ = 1 − t (rectified flow)", Value: Linear{}},
	{Name: "cosine", Doc: "α = sin(πt/2), σ = cos(πt/2)", Value: Cosine{}},
	{Name: "variance-preserving", Aliases: []string{"vp"}, Doc: "the VP diffusion's path, β from 0.1 to 20", Value: VariancePreserving{}},
}

// ByName returns the interpolant with its default settings for a name
// ("variance-preserving", "VariancePreserving" and "vp" alike; see Names),
// or an error listing the valid names.
func ByName(name string) (Interpolant, error) {
	return lookup.Find(interpolants, name, "interpolant: unknown interpolant", ErrInvalid)
}

// Names returns the interpolants' names, each with a one-line description.
func Names() [][2]string { return lookup.Names(interpolants) }

var predictions = []lookup.Entry[Prediction]{
	{Name: "velocity", Doc: "the velocity E[α′x₁ + σ′x₀ | x_t] (flow matching's)", Value: Velocity},
	{Name: "score", Doc: "the score ∇log p_t = −E[x₀ | x_t]/σ, learned as σ·s against −x₀", Value: Score},
	{Name: "noise", Doc: "the noise E[x₀ | x_t]", Value: Noise},
}

// PredictionByName returns the prediction a flow network may be trained
// for (velocity, score or noise; see PredictionNames), or an error listing
// them.
func PredictionByName(name string) (Prediction, error) {
	return lookup.Find(predictions, name, "interpolant: unknown prediction", ErrInvalid)
}

// PredictionNames returns the trainable predictions' names, each with a
// line.
func PredictionNames() [][2]string { return lookup.Names(predictions) }
