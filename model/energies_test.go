package model

import (
	"slices"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/tensor"
)

// TestEnergyTable checks the table of ½‖x‖² (gradient x) at two points.
func TestEnergyTable(t *testing.T) {
	x := tensor.New([]float64{1, 2, -3, 0.5}, 2, 2)
	header, tab := EnergyTable(energy.Harmonic{}, x, true)
	if !slices.Equal(header, []string{"energy", "g0", "g1"}) || !slices.Equal(tab.Data(), []float64{2.5, 1, 2, 4.625, -3, 0.5}) {
		t.Errorf("with gradient: %q %v", header, tab.Data())
	}
	header, tab = EnergyTable(energy.Harmonic{}, x, false)
	if !slices.Equal(header, []string{"energy"}) || !slices.Equal(tab.Shape(), []int{2, 1}) || !slices.Equal(tab.Data(), []float64{2.5, 4.625}) {
		t.Errorf("without: %q %v %v", header, tab.Shape(), tab.Data())
	}
}
