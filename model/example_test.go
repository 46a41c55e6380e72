package model_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/goebm/goebm/model"
)

// Load a model that `ebm train -data twomoons -loss fm -steps 300 -hidden 16
// -batch 128 -out DIR` wrote (config.json and model.params, kept in
// testdata) and draw from it: a flow integrates from noise.
func Example() {
	m, err := model.Load("testdata/twomoons-fm")
	if err != nil {
		log.Fatal(err)
	}
	x, err := m.Generate(context.Background(), 3, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Kind(), x.Shape())
	for i := range 3 {
		fmt.Printf("%.2f %.2f\n", x.Data()[2*i], x.Data()[2*i+1])
	}
	// Output:
	// flow [3 2]
	// 1.68 -0.06
	// 0.36 0.33
	// 1.63 0.89
}
