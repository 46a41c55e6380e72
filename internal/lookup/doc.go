// Package lookup finds a library's values by the names users type. Case,
// hyphens, underscores and spaces do not count, so "exact-ot", "exact_ot"
// and "ExactOT" name the same coupling; an unknown name gets an error that
// lists the valid ones. The packages with named values (coupling, integrate,
// interpolant) each keep a table of Entry values and expose ByName and
// Names over it.
package lookup
