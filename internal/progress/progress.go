package progress

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// New returns a bar of total units described by desc on w, or on standard
// error when w is nil and that is a terminal; nil when there is none. Every
// bar predicts the time left, redraws at most every 100 ms and is cleared
// when finished; opts add to that.
func New(w io.Writer, total int64, desc string, opts ...progressbar.Option) *progressbar.ProgressBar {
	if w == nil {
		if !term.IsTerminal(int(os.Stderr.Fd())) {
			return nil
		}
		w = os.Stderr
	}
	return progressbar.NewOptions64(total, append([]progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
	}, opts...)...)
}

// End ends bar after its run: finished when err is nil, or erased from its
// line when the run failed, so that the error that follows starts on a
// clean line rather than after a half-drawn bar. Either way it is cleared.
// A nil bar is nothing to end.
func End(bar *progressbar.ProgressBar, err error) error {
	switch {
	case bar == nil:
		return nil
	case err == nil:
		return bar.Finish()
	}
	return bar.Clear()
}
