package pin

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/genmint/genmint/internal/testenv"
)

// TestS3UploadChildProcess is the child of BenchmarkS3UploadPeakRSS: it
// uploads GENMINT_S3_BENCH_FILE as one multipart object to the server at
// GENMINT_S3_BENCH_URL, with the default part size, and nothing else.
func TestS3UploadChildProcess(t *testing.T) {
	path := os.Getenv("GENMINT_S3_BENCH_FILE")
	if path == "" {
		return // not a test by itself: the helper process of the benchmark below
	}
	s, err := NewS3(S3Options{Endpoint: os.Getenv("GENMINT_S3_BENCH_URL"), Bucket: testenv.S3Bucket, Prefix: "bench",
		AccessKey: testenv.S3AccessKey, SecretKey: testenv.S3SecretKey, Retry: testRetry})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.multipart(context.Background(), "bench/"+filepath.Base(path), f, fi.Size(), minio.PutObjectOptions{UserMetadata: map[string]string{"import": "car"}}); err != nil {
		t.Fatal(err)
	}
	// The peak RSS of this process since exec (rusage's maxrss, seen from
	// the parent, can count the parent's pages from before the exec).
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Printf("VmHWM %s\n", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
}

// BenchmarkS3UploadPeakRSS uploads a file of GENMINT_BENCH_CAR_MB (default
// 2048) MiB and one of a tenth of that through the S3 multipart path, each
// in its own process, and reports both processes' peak RSS: flat, and under
// 100 MB, whatever the size. (The server, gofakes3 in memory, runs in this
// process and is not measured.)
//
//	go test ./pin -run '^$' -bench S3UploadPeakRSS -benchtime 1x
func BenchmarkS3UploadPeakRSS(b *testing.B) {
	mb := 2048
	if v := os.Getenv("GENMINT_BENCH_CAR_MB"); v != "" {
		mb, _ = strconv.Atoi(v)
	}
	srv := testenv.StartS3(b, nil)
	dir := b.TempDir()
	peak := func(size int64) int64 {
		path := filepath.Join(dir, fmt.Sprintf("upload-%d.car", size))
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyN(f, rand.NewChaCha8([32]byte{}), size); err != nil {
			b.Fatal(err)
		}
		f.Close()
		defer os.Remove(path)
		child := exec.Command(os.Args[0], "-test.run=^TestS3UploadChildProcess$", "-test.count=1")
		child.Env = append(os.Environ(), "GENMINT_S3_BENCH_FILE="+path, "GENMINT_S3_BENCH_URL="+srv.URL)
		out, err := child.CombinedOutput()
		if err != nil {
			b.Fatalf("upload of %d bytes: %v\n%s", size, err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM "); ok {
				kb, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					b.Fatalf("child's VmHWM %q", v)
				}
				return kb << 10
			}
		}
		b.Fatalf("the child did not report its peak RSS:\n%s", out)
		return 0
	}
	var small, large int64
	for i := 0; i < b.N; i++ {
		small = max(small, peak(int64(mb)<<20/10))
		large = max(large, peak(int64(mb)<<20))
	}
	b.ReportMetric(float64(large)/(1<<20), "peak-MB")
	b.ReportMetric(float64(large)/float64(small), "large/small")
	fmt.Fprintf(os.Stderr, "S3 multipart upload peak RSS: %d MiB file %.1f MB, %d MiB file %.1f MB, ratio %.2f (target: < 100 MB, flat)\n",
		mb/10, float64(small)/(1<<20), mb, float64(large)/(1<<20), float64(large)/float64(small))
	if large >= 100<<20 {
		b.Errorf("peak RSS %.1f MB uploading %d MiB (target < 100 MB)", float64(large)/(1<<20), mb)
	}
}
