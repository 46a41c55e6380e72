package bayes

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Moments are a quantity's posterior mean and standard deviation.
type Moments struct{ Mean, SD float64 }

// Reference holds reference posterior moments by name, from a long run of
// a trusted sampler (posteriordb's reference posteriors are Stan's).
type Reference map[string]Moments

// ReadReference reads a CSV of reference moments: lines name,mean,sd (more
// columns are ignored), after an optional header line "name,…"; lines that
// begin with # are comments.
func ReadReference(path string) (Reference, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ref := Reference{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, "name,") {
			continue
		}
		fields := strings.Split(text, ",")
		if len(fields) < 3 {
			return nil, fmt.Errorf("bayes: %s:%d: want name,mean,sd, got %q: %w", path, line, text, ErrInvalid)
		}
		mean, err1 := strconv.ParseFloat(fields[1], 64)
		sd, err2 := strconv.ParseFloat(fields[2], 64)
		if err1 != nil || err2 != nil || !(sd > 0) {
			return nil, fmt.Errorf("bayes: %s:%d: mean %q and sd %q must be numbers, the sd positive: %w", path, line, fields[1], fields[2], ErrInvalid)
		}
		if _, dup := ref[fields[0]]; dup {
			return nil, fmt.Errorf("bayes: %s:%d: %s given twice: %w", path, line, fields[0], ErrInvalid)
		}
		ref[fields[0]] = Moments{mean, sd}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bayes: %s: %w", path, err)
	}
	return ref, nil
}

// Against returns, for each value of the fit that ref holds, how far its
// posterior mean is from the reference's, in reference sds:
// z = (mean − ref mean)/ref sd. Stan's benchmark suite (posteriordb) asks
// |z| ≤ 0.25 of every value. missing lists the fit's values ref lacks.
func (f *Fit) Against(ref Reference) (z map[string]float64, missing []string) {
	z = map[string]float64{}
	for _, c := range f.Summary() {
		r, ok := ref[c.Name]
		if !ok {
			missing = append(missing, c.Name)
			continue
		}
		z[c.Name] = (c.Mean - r.Mean) / r.SD
	}
	return z, missing
}
