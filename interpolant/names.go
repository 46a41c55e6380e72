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
