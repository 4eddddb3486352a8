package mint

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/spec"
)

// rpcCounter is a JSON-RPC proxy in front of a node that counts HTTP round
// trips and the calls they carry (a batch is one round trip, many calls).
type rpcCounter struct {
	trips, calls atomic.Int64
}

func (c *rpcCounter) proxy(tb testing.TB, target string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.trips.Add(1)
		var batch []json.RawMessage
		if json.Unmarshal(body, &batch) == nil {
			c.calls.Add(int64(len(batch)))
		} else {
			c.calls.Add(1)
		}
		resp, err := http.Post(target, "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// BenchmarkMintRoundTrips mints a 1,000-item collection on anvil and runs
// mint again (nothing left to send), once as genmint did before chain
// identity and once with it, through a proxy that counts JSON-RPC round
// trips. Chain identity may cost at most one round trip per run: the
// benchmark fails when it costs more.
func BenchmarkMintRoundTrips(b *testing.B) {
	an := testenv.StartAnvil(b)
	var counter rpcCounter
	cl, err := ethclient.Dial(counter.proxy(b, an.URL))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	key := an.Accounts[0].Key
	signer := bind.NewKeyedTransactor(key, new(big.Int).SetUint64(an.ChainID))
	nw := spec.Network{Name: "local", ChainID: an.ChainID, Test: true}

	// measure runs mint twice on a fresh 1,000-item collection and returns
	// the round trips and calls both runs made.
	measure := func(unchecked bool) (trips, calls int64) {
		c := newCollection(b, 1000)
		o := Options{DB: c.db, Backend: cl, Signer: signer, Network: nw, Pin: c.pin, Poll: 5 * time.Millisecond,
			Collection: ContractFacts{Name: "Round Trips", Symbol: "RT", MaxSupply: 1000}, unchecked: unchecked}
		t0, c0 := counter.trips.Load(), counter.calls.Load()
		for run := 0; run < 2; run++ {
			if _, err := Run(context.Background(), o); err != nil {
				b.Fatal(err)
			}
		}
		return counter.trips.Load() - t0, counter.calls.Load() - c0
	}
	var before, after, beforeCalls, afterCalls int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t, c := measure(true)
		before, beforeCalls = before+t, beforeCalls+c
		t, c = measure(false)
		after, afterCalls = after+t, afterCalls+c
	}
	n := float64(b.N)
	b.ReportMetric(float64(before)/n, "trips-before/op")
	b.ReportMetric(float64(after)/n, "trips-after/op")
	b.ReportMetric(float64(beforeCalls)/n, "calls-before/op")
	b.ReportMetric(float64(afterCalls)/n, "calls-after/op")
	// Two runs per op: at most one extra round trip each.
	if extra := float64(after-before) / n; extra > 2 {
		b.Fatalf("chain identity costs %.1f extra round trips for two runs (%d before, %d after per op); the budget is one per run",
			extra, before/int64(b.N), after/int64(b.N))
	}
}
