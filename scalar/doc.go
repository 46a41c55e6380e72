// Package scalar is goebm's lean reverse-mode autodiff for small graphs of
// scalars: the log densities of statistical models, with tens to thousands
// of scalar ops per evaluation, where package tensor's per-op bookkeeping
// (shapes, closures, a recorded backward pass) would cost more than the
// arithmetic.
//
// # The tape
//
// A Var is a value and the index of the node that made it on a Tape. Each op
// computes its value and its partial derivatives with respect to its inputs
// at once, and appends one fixed-size node; Grad then makes one backward
// sweep,
//
//	ā[a] += ∂y/∂a · ȳ,   ā[b] += ∂y/∂b · ȳ,
//
// over the nodes in reverse, which records nothing. This is Stan's math
// library's design (precomputed partials in an arena). Reset forgets the
// nodes and keeps their storage, so a sampler that evaluates the same model
// again and again allocates nothing per gradient once the tape has grown to
// the model's size.
//
// Constants (Const, and the results of ops on constants alone) occupy no
// node, and an input that is a constant takes no edge: Mul(c, x) is a unary
// node.
//
// Gradients are first order only: Bayesian samplers need ∇ log p, and
// nothing more. Code that needs second derivatives uses package tensor.
//
// # N-ary and fused nodes
//
// A node has one or two inputs in place, or any number in a side array of
// (input, partial) edges; the backward sweep runs over a node's edges as
// over a node's two inputs. Sum and Dot of n Vars are one node each, where
// a chain of Adds is n − 1 nodes that the sweep must visit one after the
// other. Fuse3 makes a function of three scalars, whose value and partials
// are computed in float64 by one Go function, one node: package dist's
// Normal is one node this way, where its composition of ops is seven. A
// recurrence such as GARCH(1,1)'s is then five nodes a step instead of
// sixteen. Fuse3 is also the seam between the two tapes: on package
// tensor's, whose ops have derivatives of every order, it declines and the
// caller composes ops, so each fused function is checked against its
// composed form.
//
// Scratch lends a model Vars from an arena on the tape, reused after Reset,
// for the terms of a Sum and other intermediate vectors, so that these too
// cost no allocation per gradient.
//
// # One algorithm, two tapes
//
// Ops is the arithmetic that both *Tape (values Var) and *tensor.Tape
// (values *tensor.Tensor) provide, with the same method names and
// signatures. Densities and transforms written once against Ops[T] run at
// scalar speed here, and run on package tensor's tape where derivatives of
// any order are needed: that is how their second derivatives are checked
// against finite differences. Float implements Ops on plain float64s, for
// evaluation without any tape.
//
// Lgamma, in Ops, and Digamma are the special functions of densities'
// normalising constants; their partials, ψ and ψ′, come from the same
// polygamma kernel as package tensor's Lgamma and Polygamma ops, so the two
// tapes agree to the bit. Package dist builds the usual log densities on
// Ops.
//
// A Tape is used by one goroutine at a time; give each goroutine its own.
package scalar
