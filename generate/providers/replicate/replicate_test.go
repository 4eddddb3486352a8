package replicate_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/genmint/genmint/generate"
	pt "github.com/genmint/genmint/generate/providers/providertest"
	"github.com/genmint/genmint/generate/providers/replicate"
)

const version = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"

func harness(model string, params generate.Params) pt.Harness {
	p := generate.Params{"poll_interval": "5ms"}
	for k, v := range params {
		p[k] = v
	}
	return pt.Harness{
		Info:        replicate.Info,
		Model:       model,
		Params:      p,
		Key:         pt.Canary,
		BasePath:    "/v1",
		TLS:         true,
		Fake:        fakeReplicate,
		Faults:      append(append(append([]pt.Fault(nil), pt.Common...), pt.URLFaults...), pt.Expired, pt.RefusalBilled, pt.EchoKey),
		CancelEvent: "cancel",
		RequestID:   true,
	}
}

func TestConformanceVersionless(t *testing.T) {
	pt.Run(t, harness("black-forest-labs/flux-schnell", generate.Params{"input": map[string]any{"output_format": "png", "num_outputs": 1}}))
}

func TestConformanceVersion(t *testing.T) {
	pt.Run(t, harness("stability-ai/sdxl:"+version, generate.Params{"input": map[string]any{"num_inference_steps": 25}, "send_size": true}))
}

func TestProvenanceGolden(t *testing.T) {
	t.Run("versionless", func(t *testing.T) {
		res := pt.Generate(t, harness("black-forest-labs/flux-schnell", generate.Params{"input": map[string]any{"output_format": "png"}}), 1)
		if res.ModelVersion != "hidden" || res.Reproducible {
			t.Errorf("an official model's hidden version is not reproducible: %q %v", res.ModelVersion, res.Reproducible)
		}
		pt.Golden(t, "testdata/provenance-versionless.golden.json", res)
	})
	t.Run("version", func(t *testing.T) {
		res := pt.Generate(t, harness(version, generate.Params{"input": map[string]any{"num_inference_steps": 25}}), 2)
		if res.ModelVersion != version || !res.Reproducible || res.Seed == nil || *res.Seed != 1002 {
			t.Errorf("version %q reproducible %v seed %v", res.ModelVersion, res.Reproducible, res.Seed)
		}
		pt.Golden(t, "testdata/provenance-version.golden.json", res)
	})
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		model  string
		params generate.Params
		want   string
	}{
		{"flux", nil, `provider.model: "flux" is not owner/name`},
		{"a/b", generate.Params{"version": "abc"}, "provider.params.version"},
		{"a/b", generate.Params{"wait": 90}, "provider.params.wait: 90 is outside 1..60"},
		{"a/b", generate.Params{"inputs": map[string]any{}}, `did you mean "input"?`},
		{"a/b", generate.Params{"cancel_after": "1s"}, "provider.params.cancel_after"},
		{"a/b", generate.Params{"download_hosts": []any{"https://evil/"}}, "provider.params.download_hosts"},
	} {
		_, err := replicate.New(generate.ProviderConfig{BaseURL: replicate.Info.DefaultBaseURL, Model: tc.model, Params: tc.params})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: err = %v, want %q", tc.model, tc.params, err, tc.want)
		}
	}
}

func TestEstimate(t *testing.T) {
	if usd, ok := replicate.Estimate("", nil); !ok || usd != 0.003 {
		t.Errorf("default model: %v %v", usd, ok)
	}
	if _, ok := replicate.Estimate("stability-ai/sdxl:"+version, nil); ok {
		t.Error("a model billed by time has no per-image price")
	}
}

// A fault while polling is not a reason to create the prediction again.
func TestPollFaultDoesNotRecreate(t *testing.T) {
	p, ctl := pt.Open(t, harness("black-forest-labs/flux-schnell", nil))
	ctl.Script(2, pollFault)
	res, err := p.Generate(context.Background(), pt.Request(2))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Image, pt.ItemPNG(2)) || ctl.BillableCount(2) != 1 {
		t.Fatalf("billable requests: %d", ctl.BillableCount(2))
	}
}

// When the per-request timeout ends a prediction that is still running,
// genmint cancels it at Replicate before trying again.
func TestTimeoutCancelsThePrediction(t *testing.T) {
	p, ctl := pt.Open(t, harness("black-forest-labs/flux-schnell", nil))
	ctl.Script(2, pt.Hang)
	res, err := p.Generate(context.Background(), pt.Request(2))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Image, pt.ItemPNG(2)) {
		t.Fatal("wrong image")
	}
	if ctl.BillableCount(2) != 2 {
		t.Errorf("billable requests: %d, want 2 (the timed-out one and the retry)", ctl.BillableCount(2))
	}
	ev := ctl.Events()
	if len(ev) != 1 || !strings.HasPrefix(ev[0], "cancel ") {
		t.Errorf("events %v, want the timed-out prediction cancelled", ev)
	}
}

// errDied stands for the process dying: the test panics with it from the
// Accepted hook, so Generate stops right after creating the prediction,
// without cancelling it, as a kill -9 would leave it.
var errDied = errors.New("process died")

func dieWhenAccepted(t *testing.T, p generate.Provider, req generate.Request) (id string) {
	t.Helper()
	defer func() {
		if r := recover(); r != errDied {
			t.Fatalf("Generate ended with %v, want it to die at Accepted", r)
		}
	}()
	ctx := generate.WithAccepted(context.Background(), func(sid string) {
		id = sid
		panic(errDied)
	})
	p.Generate(ctx, req)
	return id
}

// A prediction created by a run that died is taken up by the next run
// (Request.Resume): no second prediction is paid for, and the image is the
// first prediction's.
func TestResumeTakesUpThePrediction(t *testing.T) {
	p, ctl := pt.Open(t, harness("black-forest-labs/flux-schnell", nil))
	id := dieWhenAccepted(t, p, pt.Request(2))
	if id == "" || ctl.BillableCount(2) != 1 {
		t.Fatalf("accepted %q after %d creates", id, ctl.BillableCount(2))
	}
	req := pt.Request(2)
	req.Resume = id
	var accepted string
	ctx := generate.WithAccepted(context.Background(), func(sid string) { accepted = sid })
	res, err := p.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.Paid || res.CostUSD != 0 || res.RequestID != id || accepted != id {
		t.Errorf("resumed %v paid %v cost %v request %q accepted %q, want the resumed prediction %q at no cost",
			res.Resumed, res.Paid, res.CostUSD, res.RequestID, accepted, id)
	}
	if !bytes.Equal(res.Image, pt.ItemPNG(2)) || ctl.BillableCount(2) != 1 {
		t.Errorf("creates: %d, want 1; image right: %v", ctl.BillableCount(2), bytes.Equal(res.Image, pt.ItemPNG(2)))
	}
}

// A Resume id that cannot give the requested image — unknown to Replicate,
// cancelled, or another item's input — is left alone and a new prediction
// is created.
func TestResumeRefusesWhatIsNotTheRequest(t *testing.T) {
	p, ctl := pt.Open(t, harness("black-forest-labs/flux-schnell", nil))
	other := dieWhenAccepted(t, p, pt.Request(4))
	// Item 6's run is stopped with Ctrl-C once its prediction exists, which
	// cancels the prediction at Replicate.
	var cancelled string
	ctx, stop := context.WithCancel(context.Background())
	ctx = generate.WithAccepted(ctx, func(sid string) { cancelled = sid; stop() })
	if _, err := p.Generate(ctx, pt.Request(6)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Ctrl-C: %v", err)
	}
	if ev := ctl.Events(); len(ev) != 1 || ev[0] != "cancel "+cancelled {
		t.Fatalf("events %v, want %q cancelled", ev, cancelled)
	}
	for _, tc := range []struct {
		name, resume string
		item         int
	}{
		{"unknown id", "gm3qorzdhgbfurvjtvhg6d9999", 2},
		{"another item's prediction", other, 8},
		{"cancelled", cancelled, 6},
	} {
		before := ctl.BillableCount(tc.item)
		req := pt.Request(tc.item)
		req.Resume = tc.resume
		res, err := p.Generate(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Resumed || res.RequestID == tc.resume || ctl.BillableCount(tc.item) != before+1 || !bytes.Equal(res.Image, pt.ItemPNG(tc.item)) {
			t.Errorf("%s: resumed %v request %q, creates %d→%d: want a new prediction", tc.name, res.Resumed, res.RequestID, before, ctl.BillableCount(tc.item))
		}
	}
}
