package energy

import (
	"errors"
	"strings"
	"testing"
)

func TestByNameAliases(t *testing.T) {
	for _, name := range []string{"doublewell", "double-well", "double_well", "DoubleWell", "Double Well"} {
		e, err := ByName(name, 2)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := e.(DoubleWell); !ok {
			t.Errorf("%s gave %T", name, e)
		}
	}
	for _, nd := range Names() {
		d := 3
		switch nd[0] {
		case "himmelblau", "booth", "gmm40", "manywell":
			d = 2
		}
		e, err := ByName(nd[0], d)
		if err != nil {
			t.Fatalf("%s: %v", nd[0], err)
		}
		if err := CheckDim(e, d); err != nil {
			t.Errorf("%s: ByName in dimension %d gave an energy that refuses it: %v", nd[0], d, err)
		}
		// Every energy is finite at a point near its mode region.
		en := make([]float64, 1)
		e.Energy(en, []float64{0.5, -0.25, 0.1}[:d], d)
		if en[0] != en[0] {
			t.Errorf("%s: E = %v", nd[0], en[0])
		}
	}
}

func TestByNameGaussian(t *testing.T) {
	e, err := ByName("gaussian", 2)
	if err != nil {
		t.Fatal(err)
	}
	// Σ = [[1, ½], [½, 1]], Σ⁻¹ = (4/3)[[1, −½], [−½, 1]]: E(1, 0) = ½·4/3.
	en := make([]float64, 1)
	e.Energy(en, []float64{1, 0}, 2)
	if d := en[0] - 2.0/3; d*d > 1e-24 {
		t.Errorf("E(1, 0) = %v, want 2/3", en[0])
	}
}

func TestByNameErrors(t *testing.T) {
	_, err := ByName("banana", 2)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "valid: ackley, booth, doublewell, funnel, gaussian, gmm40, harmonic, himmelblau, manywell, quadratic") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := ByName("funnel", 1); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("funnel in 1-D: %v", err)
	}
	for _, name := range []string{"himmelblau", "booth"} {
		for _, d := range []int{1, 3} {
			if _, err := ByName(name, d); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "takes only 2") {
				t.Errorf("%s in dimension %d: %v", name, d, err)
			}
		}
	}
	if _, err := ByName("manywell", 5); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "even") {
		t.Errorf("manywell in 5-D: %v", err)
	}
	if e, err := ByName("many-well", 32); err != nil || e.Dim() != 32 {
		t.Errorf("many-well in 32-D: %v, %v", e, err)
	}
	for _, alias := range []string{"styblinski-tang", "Styblinski_Tang", "StyblinskiTang"} {
		if e, err := ByName(alias, 4); err != nil || e != (StyblinskiTang{}) {
			t.Errorf("%s: %v, %v", alias, e, err)
		}
	}
}

// TestGaussianMetric checks that the metric is Σ⁻¹: G·Σ = I.
func TestGaussianMetric(t *testing.T) {
	cov := []float64{2, 0.3, -0.1, 0.3, 1, 0.2, -0.1, 0.2, 0.5}
	g, err := NewGaussian(make([]float64, 3), cov)
	if err != nil {
		t.Fatal(err)
	}
	gm, dg := make([]float64, 9), []float64{1, 2, 3}
	g.Metric(gm, dg, nil)
	for i := range 3 {
		for j := range 3 {
			s := 0.0
			for k := range 3 {
				s += gm[i*3+k] * cov[k*3+j]
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if d := s - want; d*d > 1e-24 {
				t.Errorf("(GΣ)[%d,%d] = %v, want %v", i, j, s, want)
			}
		}
	}
	if dg[0] != 0 || dg[2] != 0 {
		t.Errorf("dG = %v, want zeros", dg)
	}
}

// TestByNameBoundsDim: a dimension whose d×d covariance cannot be held is
// refused before anything is allocated (it once panicked in make).
func TestByNameBoundsDim(t *testing.T) {
	for _, d := range []int{1 << 62, 1 << 32, 1 << 20} {
		if _, err := ByName("gaussian", d); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "dim × dim") {
			t.Errorf("gaussian in dimension %d: %v; want ErrInvalid naming dim × dim", d, err)
		}
	}
}
