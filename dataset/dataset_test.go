package dataset

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goebm/goebm/tensor"
	"github.com/sbinet/npyio"
)

func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

// nearest returns the index of the centre nearest to (x, y) and its distance.
func nearest(x, y float64, centres [][2]float64) (int, float64) {
	best, bd := 0, math.Inf(1)
	for c, p := range centres {
		if d := math.Hypot(x-p[0], y-p[1]); d < bd {
			best, bd = c, d
		}
	}
	return best, bd
}

func TestMixturesBalancedAndTight(t *testing.T) {
	h := 2 / math.Sqrt2
	for _, c := range []struct {
		name    string
		g       Generator
		centres [][2]float64
		sd      float64
	}{
		{"eightgaussians", EightGaussians{}, [][2]float64{{2, 0}, {-2, 0}, {0, 2}, {0, -2}, {h, h}, {h, -h}, {-h, h}, {-h, -h}}, 0.02},
		{"gaussianmixture", GaussianMixture{}, func() [][2]float64 {
			var cs [][2]float64
			for k := range 8 {
				a := 2 * math.Pi * float64(k) / 8
				cs = append(cs, [2]float64{math.Cos(a), math.Sin(a)})
			}
			return cs
		}(), 0.05},
	} {
		const n = 2001
		d := c.g.Sample(rng(1), n).Data()
		counts := make([]int, 8)
		ss := 0.0
		for i := range n {
			k, dist := nearest(d[2*i], d[2*i+1], c.centres)
			counts[k]++
			ss += dist * dist
		}
		for k, m := range counts {
			if m != n/8 && m != n/8+1 {
				t.Errorf("%s: component %d has %d points, want %d or %d", c.name, k, m, n/8, n/8+1)
			}
		}
		// E‖x − μ‖² = 2σ²; its estimate over n points is within a few %.
		if got := math.Sqrt(ss / n / 2); math.Abs(got-c.sd) > 0.05*c.sd {
			t.Errorf("%s: sd %.4f, want %.4f", c.name, got, c.sd)
		}
	}
}

// TestShapesAndMoments: each generator's points against what its
// definition implies, within 5 standard errors of n = 20000 points.
func TestShapesAndMoments(t *testing.T) {
	const n = 20000
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	col := func(d []float64, j int) []float64 {
		out := make([]float64, len(d)/2)
		for i := range out {
			out[i] = d[2*i+j]
		}
		return out
	}
	near := func(name string, got, want, se float64) {
		t.Helper()
		if math.Abs(got-want) > 5*se {
			t.Errorf("%s = %.4f, want %.4f ± %.4f", name, got, want, 5*se)
		}
	}
	// Two moons: the outer half circle has mean (0, 2/π), the inner (1, 0.5 − 2/π).
	m := TwoMoons{}.Sample(rng(2), n).Data()
	near("two moons mean x", mean(col(m, 0)), 0.5, 0.8/math.Sqrt(n))
	near("two moons mean y", mean(col(m, 1)), 0.25, 0.5/math.Sqrt(n))
	// Circle: radius 1 with isotropic noise σ = 0.05, which pushes the mean
	// radius out to about 1 + σ²/2.
	c := Circle{}.Sample(rng(3), n).Data()
	r := make([]float64, n)
	for i := range r {
		r[i] = math.Hypot(c[2*i], c[2*i+1])
	}
	near("circle mean radius", mean(r), 1+0.05*0.05/2, 0.05/math.Sqrt(n))
	// Checkerboard: inside [−4, 4]² up to the noise, on odd squares.
	cb := Checkerboard{}.Sample(rng(4), n).Data()
	odd := 0
	for i := range n {
		x, y := cb[2*i], cb[2*i+1]
		if math.Abs(x) > 4.1 || math.Abs(y) > 4.1 {
			t.Fatalf("checkerboard point (%g, %g) outside [−4, 4]²", x, y)
		}
		if int(math.Floor(x)+math.Floor(y))%2 != 0 {
			odd++
		}
	}
	if frac := float64(odd) / n; frac < 0.98 {
		t.Errorf("checkerboard: %.3f of points on the dark squares, want nearly all", frac)
	}
	// Swiss roll: standardised to mean 0 and mean sd ½.
	s := SwissRoll{}.Sample(rng(5), n).Data()
	sx, sy := col(s, 0), col(s, 1)
	if math.Abs(mean(sx)) > 1e-12 || math.Abs(mean(sy)) > 1e-12 {
		t.Errorf("swiss roll not centred: %g %g", mean(sx), mean(sy))
	}
	sd := func(v []float64) float64 {
		mu, ss := mean(v), 0.0
		for _, x := range v {
			ss += (x - mu) * (x - mu)
		}
		return math.Sqrt(ss / float64(len(v)-1))
	}
	if got := (sd(sx) + sd(sy)) / 2; math.Abs(got-0.5) > 1e-12 {
		t.Errorf("swiss roll mean sd %g, want 0.5", got)
	}
	// Pinwheel: radius at most 2 plus noise; 5 blades of equal size.
	p := Pinwheel{}.Sample(rng(6), n).Data()
	for i := range n {
		if math.Hypot(p[2*i], p[2*i+1]) > 2.4 {
			t.Fatalf("pinwheel point at radius %g", math.Hypot(p[2*i], p[2*i+1]))
		}
	}
	// Pinwheel with the angular spread and the noise set to 0: every point
	// lies on its blade's spiral, angle 2πc/5 + 5r/2 at radius r, so the
	// angle less 5r/2 is a multiple of 2π/5.
	p = Pinwheel{AngularScale: Float(0), Noise: Float(0)}.Sample(rng(6), n).Data()
	for i := range n {
		r := math.Hypot(p[2*i], p[2*i+1])
		k := (math.Atan2(p[2*i+1], p[2*i]) - 2.5*r) / (2 * math.Pi / 5)
		if math.Abs(k-math.Round(k)) > 1e-9 {
			t.Fatalf("thin pinwheel point %d at (%g, %g): %g blades round, want a whole number", i, p[2*i], p[2*i+1], k)
		}
	}
	// Grid: point i sits near grid point i mod 100.
	g := Grid{}.Sample(rng(7), 250).Data()
	for i := range 250 {
		q := i % 100
		gx, gy := -1+2*float64(q/10)/9, -1+2*float64(q%10)/9
		if math.Hypot(g[2*i]-gx, g[2*i+1]-gy) > 0.06 {
			t.Fatalf("grid point %d at (%g, %g), want near (%g, %g)", i, g[2*i], g[2*i+1], gx, gy)
		}
	}
}

func TestSameSeedSamePoints(t *testing.T) {
	for _, nd := range Names() {
		g, err := ByName(nd[0])
		if err != nil {
			t.Fatal(err)
		}
		a, b := g.Sample(rng(9), 50).Data(), g.Sample(rng(9), 50).Data()
		c := g.Sample(rng(10), 50).Data()
		same, diff := true, false
		for i := range a {
			same = same && a[i] == b[i]
			diff = diff || a[i] != c[i]
			if math.IsNaN(a[i]) || math.IsInf(a[i], 0) {
				t.Fatalf("%s: non-finite point", nd[0])
			}
		}
		if !same || !diff {
			t.Errorf("%s: same seed same points %v, other seed other points %v", nd[0], same, diff)
		}
	}
}

func TestByName(t *testing.T) {
	for _, alias := range []string{"8gaussians", "Eight_Gaussians", "moons", "TwoMoons", "checker-board"} {
		if _, err := ByName(alias); err != nil {
			t.Errorf("%q: %v", alias, err)
		}
	}
	_, err := ByName("spirals")
	if err == nil || !strings.Contains(err.Error(), "pinwheel") {
		t.Errorf("unknown name: error %v, want the valid names listed", err)
	}
}

func TestLoaderEpochsAndResume(t *testing.T) {
	data := TwoMoons{}.Sample(rng(1), 10)
	l, err := NewLoader(data, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	// An epoch of 3 batches of 3 visits 9 distinct points.
	seen := map[float64]bool{}
	for range 3 {
		b := l.Next().Data()
		for i := 0; i < len(b); i += 2 {
			if seen[b[i]] {
				t.Fatal("a point was dealt twice in one epoch")
			}
			seen[b[i]] = true
		}
	}
	state, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{l.Next().Data(), l.Next().Data(), l.Next().Data(), l.Next().Data()}
	l2, _ := NewLoader(data, 3, 99)
	if err := l2.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	for k, w := range want {
		got := l2.Next().Data()
		for i := range w {
			if got[i] != w[i] {
				t.Fatalf("resumed batch %d differs", k)
			}
		}
	}
	if err := l2.UnmarshalBinary(state[:len(state)-3]); err == nil {
		t.Error("truncated state accepted")
	}
	other, _ := NewLoader(TwoMoons{}.Sample(rng(1), 11), 3, 5)
	if err := other.UnmarshalBinary(state); err == nil {
		t.Error("state of other data accepted")
	}
	for _, b := range []int{0, 11, -1} {
		if _, err := NewLoader(data, b, 1); err == nil {
			t.Errorf("batch size %d accepted for 10 points", b)
		}
	}
}

func TestReadCSV(t *testing.T) {
	got, err := ReadCSV(strings.NewReader("x,y\n1,2\n# a comment\n3.5, -4\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Shape(); s[0] != 2 || s[1] != 2 || got.Data()[2] != 3.5 || got.Data()[3] != -4 {
		t.Fatalf("got %v", got)
	}
	for _, c := range []struct{ in, want string }{
		{"1,2\n3,x\n", "line 2, column 2"},
		{"1,2\n3\n", "line 2: 1 fields"},
		{"1,2\n3,NaN\n", "line 2, column 2"},
		{"a,b\nc,d\n", "line 2"},
		{"", "no data"},
		{"x,y\n", "no data"},
		{"1,\"2\n", "line"},
	} {
		_, err := ReadCSV(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one mentioning %q", c.in, err, c.want)
		}
	}
}

func TestLoadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, v any) string {
		var b bytes.Buffer
		if err := npyio.Write(&b, v); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, b.Bytes(), 0o644)
		return p
	}
	p64 := write("a.npy", []float64{1, 2, 3})
	got, err := Load(p64)
	if err != nil || got.Dim(0) != 3 || got.Dim(1) != 1 {
		t.Fatalf("1-D float64: %v, %v", got, err)
	}
	p32 := write("b.npy", []float32{1.5, 2})
	if got, err := Load(p32); err != nil || got.Data()[0] != 1.5 {
		t.Fatalf("float32: %v, %v", got, err)
	}
	csvPath := filepath.Join(dir, "c.csv")
	os.WriteFile(csvPath, []byte("1,2\n3,4\n"), 0o644)
	if got, err := Load(csvPath); err != nil || got.Dim(1) != 2 {
		t.Fatalf("csv: %v, %v", got, err)
	}
	full, _ := os.ReadFile(p64)
	trunc := filepath.Join(dir, "t.npy")
	os.WriteFile(trunc, full[:len(full)-5], 0o644)
	foreign := filepath.Join(dir, "f.npy")
	os.WriteFile(foreign, []byte("PK\x03\x04 not numpy"), 0o644)
	nan := write("n.npy", []float64{1, math.NaN()})
	for _, p := range []string{trunc, foreign, nan, filepath.Join(dir, "x.txt"), filepath.Join(dir, "absent.csv")} {
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), filepath.Base(p)) {
			t.Errorf("%s: error %v, want one naming the file", filepath.Base(p), err)
		}
	}
	if _, err := Load(filepath.Join(dir, "absent.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v, want os.ErrNotExist", err)
	}
}

// TestLabelledLoader: each batch's labels are those of its rows, through
// several epochs; the same seed deals the same rows as the unlabelled
// loader, and the saved state is byte for byte the unlabelled loader's, so
// either restores the other; a label count other than the rows' is refused.
func TestLabelledLoader(t *testing.T) {
	const n = 10
	data := tensor.Zeros(n, 2)
	labels := make([]int, n)
	for i := range n {
		data.Data()[2*i], data.Data()[2*i+1] = float64(i), -float64(i)
		labels[i] = (7 * i) % 5
	}
	ll, err := NewLabelledLoader(data, labels, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := NewLoader(data, 3, 5)
	for k := range 7 { // past two epochs
		b, y := ll.NextLabelled()
		want := l.Next().Data()
		if len(y) != 3 {
			t.Fatalf("batch %d: %d labels, want 3", k, len(y))
		}
		for i := range 3 {
			if b.Data()[2*i] != want[2*i] {
				t.Fatalf("batch %d: row %d is point %v, the unlabelled loader's %v", k, i, b.Data()[2*i], want[2*i])
			}
			if r := int(b.Data()[2*i]); y[i] != (7*r)%5 {
				t.Fatalf("batch %d: point %d has label %d, want %d", k, r, y[i], (7*r)%5)
			}
		}
	}
	sl, _ := ll.MarshalBinary()
	su, _ := l.MarshalBinary()
	if !bytes.Equal(sl, su) {
		t.Error("the labelled loader's state differs from the unlabelled one's")
	}
	fresh, _ := NewLabelledLoader(data, []int{0, 1, 2, 3, 4, 0, 1, 2, 3, 4}, 3, 99)
	if err := fresh.UnmarshalBinary(su); err != nil {
		t.Fatal(err)
	}
	b, y := fresh.NextLabelled()
	want := l.Next().Data()
	for i := range 3 {
		if b.Data()[2*i] != want[2*i] || y[i] != int(want[2*i])%5 {
			t.Fatalf("restored batch row %d: point %v label %d, want point %v label %d", i, b.Data()[2*i], y[i], want[2*i], int(want[2*i])%5)
		}
	}
	if _, y := l.NextLabelled(); y != nil {
		t.Errorf("an unlabelled loader dealt labels %v", y)
	}
	for _, bad := range [][]int{nil, make([]int, n-1), make([]int, n+1)} {
		if _, err := NewLabelledLoader(data, bad, 3, 1); err == nil {
			t.Errorf("%d labels for %d points accepted", len(bad), n)
		}
	}
}
