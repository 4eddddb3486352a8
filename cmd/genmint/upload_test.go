package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/state"
)

// TestPinUploadS3LostStateUploadsNothing runs `genmint pin --upload
// s3://BUCKET/PREFIX --s3-endpoint URL` with the credentials in the
// environment against an S3 server that imports CARs the way Filebase
// documents (its CIDs from a real Kubo), then loses state.db, repairs it
// from items/ and pins again: zero bytes go up, because uploads/s3.json and
// the service both say every root is there.
func TestPinUploadS3LostStateUploadsNothing(t *testing.T) {
	kubo := testenv.StartKubo(t)
	srv := testenv.StartS3(t, kubo)
	spec := "name: Upload\nsymbol: UPL\ncount: 2\nseed: 5\nprovider:\n  name: procedural\n  params: {width: 64, height: 64}\nprompt: \"{{.palette}} rings\"\ntraits:\n  palette: [ocean, ember]\n"
	p := generatedInProcess(t, spec, map[string]string{"AWS_ACCESS_KEY_ID": testenv.S3AccessKey, "AWS_SECRET_ACCESS_KEY": testenv.S3SecretKey})
	dir, env, run := p.dir, p.env, p.run
	upload := []string{"pin", "--upload", "s3://" + testenv.S3Bucket + "/drop", "--s3-endpoint", srv.URL}

	// Refused credentials: exit 2 naming the variables, never their values.
	env["AWS_ACCESS_KEY_ID"] = "AKIDUNKNOWN"
	code, _, errOut := run(upload...)
	if code != cmdutil.ExitUsage || !strings.Contains(errOut, "AWS_ACCESS_KEY_ID") || strings.Contains(errOut, testenv.S3SecretKey) {
		t.Fatalf("wrong credentials: exit %d %q", code, errOut)
	}
	env["AWS_ACCESS_KEY_ID"] = testenv.S3AccessKey
	// The right key with a wrong secret: the server checks the SigV4
	// signature; one line, exit 2, naming the variable, never the value.
	// (The first request is a HEAD, whose 403 has no body to say
	// SignatureDoesNotMatch rather than AccessDenied: the line names both
	// variables.)
	const wrongSecret = "wrong-secret-3f8b1e"
	env["AWS_SECRET_ACCESS_KEY"] = wrongSecret
	code, out, errOut := run(upload...)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	last := lines[len(lines)-1] // after the progress lines: the error, whole
	if code != cmdutil.ExitUsage || !strings.HasPrefix(last, "genmint: ") || !strings.Contains(last, "refused the credentials") ||
		!strings.Contains(last, "AWS_SECRET_ACCESS_KEY") || strings.Contains(out+errOut, wrongSecret) {
		t.Fatalf("wrong secret: exit %d %q", code, errOut)
	}
	env["AWS_SECRET_ACCESS_KEY"] = testenv.S3SecretKey
	srv.Reset()

	code, out, errOut = run(append(upload, "--json")...)
	if code != 0 {
		t.Fatalf("pin --upload: %d %s %s", code, out, errOut)
	}
	var res struct {
		BaseURI string `json:"base_uri"`
		Uploads []struct {
			CID, Key string
		} `json:"uploads"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	meta := strings.TrimSuffix(strings.TrimPrefix(res.BaseURI, "ipfs://"), "/")
	if len(res.Uploads) != 5 || srv.CIDOf("drop/"+meta+".car") != meta {
		t.Fatalf("confirmed uploads %+v; the metadata CAR imports as %q, want %s", res.Uploads, srv.CIDOf("drop/"+meta+".car"), meta)
	}
	if _, _, n := srv.Counts(); n == 0 {
		t.Fatal("nothing was uploaded")
	}
	ledger, err := os.ReadFile(filepath.Join(dir, "uploads", "s3.json"))
	if err != nil || !strings.Contains(string(ledger), meta) {
		t.Fatalf("uploads/s3.json: %v\n%s", err, ledger)
	}

	// Lose the state database; rebuild the items from items/; pin again.
	for _, f := range []string{"", "-wal", "-shm"} {
		os.Remove(state.Path(dir) + f)
	}
	// repair asks the service uploads/s3.json names (the credentials are
	// in the environment) and puts the upload records back.
	if code, out, errOut := run("repair"); code != 0 || !strings.Contains(out, "Upload records restored from uploads/: 5, each confirmed by its service.") {
		t.Fatalf("repair: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := run("curate", "--keep-all"); code != 0 {
		t.Fatalf("keep: %d %s %s", code, out, errOut)
	}
	srv.Reset()
	code, out, errOut = run(upload...)
	if code != 0 {
		t.Fatalf("pin after a lost state.db: %d %s %s", code, out, errOut)
	}
	parts, puts, n := srv.Counts()
	if n != 0 || len(parts) != 0 || len(puts) != 0 {
		t.Fatalf("after a lost state.db, pin uploaded %d bytes (parts %v, puts %v)", n, parts, puts)
	}
	if !strings.Contains(out, "baseURI:     "+res.BaseURI) || !strings.Contains(out, "genmint verify --gateway") {
		t.Fatalf("output:\n%s", out)
	}
	// mint's check that a destination confirmed every root holds, from the
	// records put back.
	if code, out, errOut := run("mint", "--dry-run"); code != 0 || !strings.Contains(out, "Dry run on an in-process chain") {
		t.Fatalf("mint --dry-run after a lost state.db: %d %s %s", code, out, errOut)
	}
	// The metadata object is deleted at the service: pin says so in one
	// line, uploads it once again, lists the old entry as gone; a re-run
	// sends and says nothing.
	srv.Delete("drop/" + meta + ".car")
	srv.Reset()
	code, out, errOut = run(append(upload, "--json")...)
	var again struct {
		Gone []struct{ Key, Root string } `json:"gone"`
	}
	if err := json.Unmarshal([]byte(out), &again); code != 0 || err != nil {
		t.Fatalf("pin after the object was deleted: %d %v %s %s", code, err, out, errOut)
	}
	_, puts, _ = srv.Counts()
	if len(puts) != 1 || puts["drop/"+meta+".car"] != 1 || len(again.Gone) != 1 || again.Gone[0].Root != "metadata" ||
		!strings.Contains(errOut, "uploads/s3.json records metadata at drop/"+meta+".car, uploaded ") || !strings.Contains(errOut, "no longer has it: uploading again") {
		t.Fatalf("pin after the object was deleted: puts %v, gone %+v, stderr:\n%s", puts, again.Gone, errOut)
	}
	srv.Reset()
	code, _, errOut = run(upload...)
	if parts, puts, n := srv.Counts(); code != 0 || n != 0 || len(parts)+len(puts) != 0 || strings.Contains(errOut, "no longer has it") {
		t.Fatalf("re-run: exit %d, %d bytes sent, stderr:\n%s", code, n, errOut)
	}
	if strings.Contains(p.all.String(), testenv.S3SecretKey) {
		t.Fatal("the secret key is in genmint's output")
	}
}
