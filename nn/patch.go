package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// PatchEmbed cuts images [n, C, H, W] into non-overlapping P×P patches and
// maps each to a D-vector, giving tokens [n, (H/P)·(W/P), D] in row-major
// patch order (patch row i, column j is token i·W/P + j). It is a Conv2d
// with kernel = stride = P, as TorchEBM's ConvPatchEmbed2d (and ViT, DiT):
// weight [D, C, P, P], bias [D], PyTorch's default initialisation.
type PatchEmbed struct {
	Proj *Conv2d
}

var _ Module = (*PatchEmbed)(nil)

// NewPatchEmbed returns a patch embedding of c-channel images in patches of
// side p, to dim-vectors. It panics on sizes that are not positive.
func NewPatchEmbed(rng *rand.Rand, c, p, dim int) *PatchEmbed {
	if p <= 0 {
		panic(fmt.Sprintf("nn: NewPatchEmbed: patch side %d", p))
	}
	return &PatchEmbed{Proj: NewConv2d(rng, c, dim, p, tensor.ConvOptions{Stride: [2]int{p, p}})}
}

// Forward maps images x [n, C, H, W], H and W multiples of the patch side,
// to tokens [n, (H/P)·(W/P), D].
func (e *PatchEmbed) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	p := e.Proj.W.Dim(2)
	if x.Rank() != 4 || x.Dim(2)%p != 0 || x.Dim(3)%p != 0 {
		panic(fmt.Sprintf("nn: PatchEmbed: input of shape %v, want [n, C, H, W] with H and W multiples of %d", x.Shape(), p))
	}
	y := e.Proj.Forward(tp, x) // [n, D, H/P, W/P]
	n, d := y.Dim(0), y.Dim(1)
	return tp.Permute(tp.Reshape(y, n, d, y.Dim(2)*y.Dim(3)), 0, 2, 1)
}

// Params returns "proj.weight" and "proj.bias".
func (e *PatchEmbed) Params() []Param { return prefixParams("proj.", e.Proj.Params()) }

// SinCosPosEmbed2D returns the fixed 2-D sine-cosine position embedding of
// a gh×gw grid of tokens in row-major order, [gh·gw, dim] (MAE, DiT and
// TorchEBM's build_2d_sincos_pos_embed): the first dim/2 entries of token
// (i, j) embed its column j and the last dim/2 its row i, each as
// [sin(pos·ωₖ)…, cos(pos·ωₖ)…] with ωₖ = 10000^(−k/(dim/4)), k < dim/4.
// TorchEBM names the column half "emb_h" but feeds it the meshgrid's first
// ("xy"-indexed) coordinate, which is the column; this follows its numbers.
// dim must be a positive multiple of 4; it panics otherwise.
func SinCosPosEmbed2D(dim, gh, gw int) *tensor.Tensor {
	if dim <= 0 || dim%4 != 0 || gh <= 0 || gw <= 0 {
		panic(fmt.Sprintf("nn: SinCosPosEmbed2D: width %d (want a positive multiple of 4) on a %d×%d grid", dim, gh, gw))
	}
	q := dim / 4
	out := tensor.Zeros(gh*gw, dim)
	d := out.Data()
	for i := range gh {
		for j := range gw {
			row := d[(i*gw+j)*dim : (i*gw+j+1)*dim]
			patchSinCos(row[:2*q], float64(j))
			patchSinCos(row[2*q:], float64(i))
		}
	}
	return out
}

// patchSinCos writes [sin(pos·ωₖ)…, cos(pos·ωₖ)…], ωₖ = 10000^(−k/q), into
// dst of length 2q: one axis of SinCosPosEmbed2D.
func patchSinCos(dst []float64, pos float64) {
	q := len(dst) / 2
	for k := range q {
		w := math.Pow(10000, -float64(k)/float64(q))
		dst[k], dst[q+k] = math.Sin(pos*w), math.Cos(pos*w)
	}
}

// Unpatchify is the inverse layout of a patch embedding's token order:
// tokens [n, gh·gw, P·P·C], each token's values ordered (patch row,
// patch column, channel) as in TorchEBM's unpatchify2d, become flat image
// rows [n, C·(gh·P)·(gw·P)] in [C, H, W] order.
func Unpatchify(tp *tensor.Tape, tokens *tensor.Tensor, gh, gw, p, c int) *tensor.Tensor {
	n := tokens.Dim(0)
	if tokens.Rank() != 3 || tokens.Dim(1) != gh*gw || tokens.Dim(2) != p*p*c {
		panic(fmt.Sprintf("nn: Unpatchify: tokens of shape %v for a %d×%d grid of %d×%d patches of %d channels", tokens.Shape(), gh, gw, p, p, c))
	}
	x := tp.Reshape(tokens, n, gh, gw, p, p, c)
	x = tp.Permute(x, 0, 5, 1, 3, 2, 4) // [n, C, gh, P, gw, P]
	return tp.Reshape(x, n, c*gh*p*gw*p)
}

// prefixParams returns ps with each name prefixed.
func prefixParams(prefix string, ps []Param) []Param {
	for i := range ps {
		ps[i].Name = prefix + ps[i].Name
	}
	return ps
}
