package pincmd

import (
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
)

// The upload display sums every CAR under way (S3 objects and Pinata
// files go side by side): bytes sent of their total, on one bar.
func TestUploadBarSumsTheCARsUnderWay(t *testing.T) {
	io, _, _, errOut := cmdutil.Test()
	io.SetTTY(true, true, true)
	o := &PinOptions{IO: io}
	o.bar = cmdutil.NewByteProgress(io, "upload", false)
	sent := o.sent()
	sent("images.car", 1<<20, 4<<20)
	sent("originals.car", 0, 4<<20)
	o.line("%-10s sending %s CAR to %s", "metadata", "2.0 MiB", "s3")
	sent("metadata.car", 2<<20, 2<<20) // within 80 ms: not drawn
	sent("images.car", 4<<20, 4<<20)
	sent("originals.car", 4<<20, 4<<20) // all sent: drawn at once
	out := errOut.String()
	frame := out[strings.LastIndex(out, "\r\x1b[K")+len("\r\x1b[K"):]
	if !strings.HasPrefix(frame, "upload ") || !strings.Contains(out, " 1.0 MiB/8.0 MiB  ") || !strings.Contains(frame, " 10.0 MiB/10.0 MiB  ") || !strings.HasSuffix(frame, "/s  ETA 0s") || !strings.Contains(out, "metadata   sending 2.0 MiB CAR to s3\n") {
		t.Fatalf("stderr %q (last frame %q)", out, frame)
	}
	o.bar.Finish()
}

// -q and --json: no upload display at all.
func TestNoUploadBarWhenQuietOrJSON(t *testing.T) {
	for _, o := range []*PinOptions{{Quiet: true}, {JSON: true}} {
		if o.sent() != nil {
			t.Errorf("quiet %v, json %v: an upload display", o.Quiet, o.JSON)
		}
	}
}
