package limit

import "golang.org/x/sys/unix"

// physical returns the total RAM from sysinfo(2), or fallback if the call
// fails.
func physical() uint64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil || si.Totalram == 0 {
		return fallback
	}
	return uint64(si.Totalram) * uint64(max(si.Unit, 1))
}
