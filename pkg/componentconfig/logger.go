package componentconfig

import (
	"fmt"
	"io"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	crzap "sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// NewLogger returns a logger writing to w at logLevel (debug, info or error; empty is info)
// in logFormat (json or text; empty is json), the logLevel and logFormat of a component
// configuration. It logs stack traces only for panics.
func NewLogger(logLevel, logFormat string, w io.Writer) (logr.Logger, error) {
	var level zapcore.Level
	switch logLevel {
	case "debug":
		level = zapcore.DebugLevel
	case "info", "":
		level = zapcore.InfoLevel
	case "error":
		level = zapcore.ErrorLevel
	default:
		return logr.Logger{}, fmt.Errorf("unknown logLevel %q: want debug, info or error", logLevel)
	}
	opts := []crzap.Opts{crzap.WriteTo(w), crzap.Level(level), crzap.StacktraceLevel(zapcore.PanicLevel)}
	switch logFormat {
	case "json", "":
		opts = append(opts, crzap.JSONEncoder())
	case "text":
		opts = append(opts, crzap.ConsoleEncoder())
	default:
		return logr.Logger{}, fmt.Errorf("unknown logFormat %q: want json or text", logFormat)
	}
	return crzap.New(opts...), nil
}
