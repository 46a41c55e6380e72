// Package cli is the plumbing of a command with subcommands, which a
// command's main package should not have to hold: exit statuses (2 for a
// usage error, 1 for a failed run, 3 for an internal error, 130 after a
// second interrupt), usage errors that match ErrUsage without showing its
// text, interrupt handling (the first cancels, the second exits), and flag
// sets that report errors as values, print their help only for -h, refuse
// positional arguments and refuse flags that do not apply.
package cli
