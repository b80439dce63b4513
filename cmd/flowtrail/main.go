// Command flowtrail investigates AWS network traffic offline. See
// `flowtrail --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/flowtrail/flowtrail/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
