package pin

import (
	"context"
	"time"

	"github.com/genmint/genmint/internal/retry"
)

// ImportWait is how long genmint waits, after a CAR of n bytes is uploaded,
// for the service to finish importing it (Pinata reports its CID
// "pending", Filebase's HeadObject has no x-amz-meta-cid yet): two minutes,
// plus one second per MiB — an import slower than 1 MiB/s is taken as
// stuck. A 100 MiB CAR waits up to about 3.7 minutes, a 10 GiB one about 3
// hours. Past it the run ends saying the import is still pending; the next
// run finds the upload again (by key, or by name among the pending files)
// and waits for it instead of sending it twice.
func ImportWait(n int64) time.Duration {
	return 2*time.Minute + time.Duration(max(n, 0)>>20)*time.Second
}

// maxImportPoll caps the wait between two checks of an import: a long wait
// asks the service at most twice a minute (Pinata's free plan allows 60
// requests a minute in all).
const maxImportPoll = 30 * time.Second

// awaitImport calls check until it reports done or fails, sleeping every
// between the first checks and then twice as long each time, up to
// maxImportPoll, until the sleeps add up to ImportWait(n). It reports
// whether check said done. The sleeps go through the retry policy's Sleep
// (tests count them): the budget is the sum of the waits asked for, so a
// test asserts it without timing anything.
func awaitImport(ctx context.Context, pol RetryPolicy, every time.Duration, n int64, check func() (bool, error)) (bool, error) {
	sleep := pol.Sleep
	if sleep == nil {
		sleep = retry.Sleep
	}
	every = max(every, time.Millisecond)
	budget := ImportWait(n)
	var waited time.Duration
	for {
		done, err := check()
		if err != nil || done {
			return done, err
		}
		if waited >= budget {
			return false, nil
		}
		d := min(every, budget-waited)
		if err := sleep(ctx, d); err != nil {
			return false, err
		}
		waited += d
		every = min(every*2, maxImportPoll)
	}
}
