package pin

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/internal/usage"
)

// The S3 server checks each request's SigV4 signature: a right access key
// with a wrong secret is refused (403 SignatureDoesNotMatch), which genmint
// reports as a usage error naming AWS_SECRET_ACCESS_KEY, on one line,
// without the secret; the right pair is accepted.
func TestS3WrongSecretIsRefused(t *testing.T) {
	srv := testenv.StartS3(t, nil)
	const wrong = "wrong-secret-0d9c7a"
	for _, secret := range []string{wrong, testenv.S3SecretKey} {
		s, err := NewS3(S3Options{Endpoint: srv.URL, Bucket: testenv.S3Bucket, Prefix: "drop1", AccessKey: testenv.S3AccessKey,
			SecretKey: secret, Retry: (&waits{}).policy(3), Poll: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		// A PUT: its 403 has a body naming the code (a HEAD's has none).
		car := randomCAR(t, 100)
		_, err = s.Upload(context.Background(), dummyCID(t), "images", CAROnDisk{Path: car.Name(), Size: 100})
		if secret != wrong {
			// Signed right and stored; this server imports nothing, so
			// the upload ends with no CID, not refused.
			if _, puts, _ := srv.Counts(); err == nil || !strings.Contains(err.Error(), "does not import CARs") || len(puts) != 1 {
				t.Fatalf("the right secret: puts %v, %v", puts, err)
			}
			continue
		}
		if err == nil || !errors.Is(err, usage.Err) || !strings.Contains(err.Error(), "SignatureDoesNotMatch") ||
			!strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") || strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("a wrong secret: %v", err)
		}
	}
}
