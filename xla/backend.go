package xla

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend"  // the pure-Go backend, "go"
	_ "github.com/gomlx/go-xla/compute/xla" // PJRT plugins, "xla:<plugin>"; never downloads one
)

// ErrInvalid is wrapped by errors about invalid inputs: shapes, settings,
// networks this package cannot build.
var ErrInvalid = errors.New("invalid input")

// ErrNoBackend is wrapped by the error of NewBackend when the backend asked
// for cannot be started, a missing PJRT plugin above all.
var ErrNoBackend = errors.New("no such backend")

// NewBackend starts the GoMLX backend named by config ("go", or
// "xla:/abs/path/plugin.so"); an empty config means $GOMLX_BACKEND, and
// "go", the pure-Go backend, when that is unset. A plugin path that names
// no file fails at once with a one-line error wrapping ErrNoBackend.
func NewBackend(config string) (compute.Backend, error) {
	if config == "" {
		config = os.Getenv(compute.ConfigEnvVar)
	}
	if config == "" {
		config = "go"
	}
	name, plugin, _ := strings.Cut(config, ":")
	if name == "xla" {
		path, _, _ := strings.Cut(plugin, ",")
		if !filepath.IsAbs(path) {
			return nil, fmt.Errorf("xla: backend %q: give the PJRT plugin by its absolute path, as GOMLX_BACKEND=xla:/abs/path/xla_cuda_plugin.so: %w", config, ErrNoBackend)
		}
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("xla: no PJRT plugin at %s (GOMLX_BACKEND=xla:/abs/path/xla_cuda_plugin.so; the CUDA one comes with pip's jax-cuda13-pjrt): %w", path, ErrNoBackend)
		}
	}
	b, err := compute.NewWithConfig(config)
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return nil, fmt.Errorf("xla: backend %q: %s: %w", config, msg, ErrNoBackend)
	}
	return b, nil
}
