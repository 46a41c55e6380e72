// Command regression trains a small MLP with Adam on a toy regression and
// prints the falling loss: a first run of goebm's engine, nn and optim.
//
//	go run ./examples/regression -steps 2000
package main
