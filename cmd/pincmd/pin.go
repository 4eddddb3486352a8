// Package pincmd implements `genmint pin`.
package pincmd

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// PinOptions are `genmint pin`'s inputs.
type PinOptions struct {
	IO     *cmdutil.IOStreams
	JSON   bool
	Quiet  bool
	Dir    string
	Getenv func(string) string
	Spec   func() (*spec.Spec, error)
	State  func(ctx context.Context, create bool) (*state.DB, error)

	IPFSAPI         string
	IPFSAPIAuthEnv  string
	CAR             string
	PinningService  string
	ServiceTokenEnv string
	Upload          string
	S3Endpoint      string
	PinataAPI       string
	DryRun          bool

	bar *cmdutil.Progress // the upload display, made by pinRun
}

// NewCmdPin builds `genmint pin`.
func NewCmdPin(f *cmdutil.Factory, runF func(*PinOptions) error) *cobra.Command {
	opts := &PinOptions{IO: f.IO, Spec: f.LoadSpec, State: f.OpenState}
	cmd := &cobra.Command{
		Use:   "pin",
		Short: "Put the kept items on IPFS and compute the collection's baseURI",
		Long: `Pin every kept item: the final images, the originals and the provenance
records as three UnixFS directories (CIDv1, raw leaves, profile
unixfs-v1-2025), one ERC-721 metadata file per token named by its id, and the
contract metadata. Every CID is computed locally first and checked against
what the node returns. The items become pinned, with baseURI
ipfs://<metadata CID>/ ready for minting.

Destinations: a Kubo node (--ipfs-api, else $IPFS_API, else ~/.ipfs/api,
else 127.0.0.1:5001); a node on another machine (--ipfs-api https://…, with
--ipfs-api-auth-env NAME naming the variable that holds the Authorization
header) gets the whole collection as one CAR through dag/import, and every
root is then checked to be pinned there; --car FILE writes a CAR file instead, with no node
(import it anywhere with 'ipfs dag import'); --pinning-service URL also asks
an IPFS Pinning Service API to pin the roots, with its token read from the
environment variable named by --pinning-service-token-env.

--upload pinata sends each root's CAR to Pinata's public IPFS (v3 Files API,
car=true, TUS above Pinata's single-request limit; JWT from PINATA_JWT);
--pinata-api URL sends both the uploads and the queries to another
Pinata-compatible v3 API instead.
--upload s3://BUCKET[/PREFIX] needs no node either: each root goes up as its
own CAR with Filebase's CAR import (x-amz-meta-import: car; --s3-endpoint for
another S3-compatible service), multipart and resumable, and counts only when
the service reports the very root CID genmint computed. Every confirmed upload
is recorded in uploads/<service>.json (commit it) and in the state, and the
service is asked before anything is sent, so nothing is paid for twice.

Re-running pins nothing new and changes no CID.`,
		Example: `  genmint pin                                  # the local Kubo node
  genmint pin --car collection.car             # no node needed
  KUBO_AUTH="Bearer …" genmint pin --ipfs-api https://rpc.example.com --ipfs-api-auth-env KUBO_AUTH
  genmint pin --upload s3://my-bucket/drop1     # Filebase, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY set
  PINATA_JWT=… genmint pin --upload pinata
  genmint pin --dry-run                        # print the baseURI, upload nothing
  PINATA_JWT=… genmint pin --pinning-service https://api.pinata.cloud/psa --pinning-service-token-env PINATA_JWT`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Quiet, opts.Dir, opts.Getenv = f.JSON, f.Quiet, f.Dir, f.Getenv
			if opts.DryRun && (opts.CAR != "" || opts.PinningService != "" || opts.IPFSAPI != "" || opts.Upload != "") {
				return cmdutil.UsageError("--dry-run uploads nothing: drop --ipfs-api, --car, --upload and --pinning-service")
			}
			if opts.S3Endpoint != "" && !strings.HasPrefix(opts.Upload, "s3://") {
				return cmdutil.UsageError("--s3-endpoint is for --upload s3://BUCKET[/PREFIX]")
			}
			if opts.S3Endpoint != "" {
				// minio-go keeps only the host: a path would be dropped
				// without a word, and the bucket looked for elsewhere.
				if u, err := url.Parse(opts.S3Endpoint); err == nil && u.Host != "" && (strings.Trim(u.Path, "/") != "" || u.RawQuery != "") {
					return cmdutil.UsageError("--s3-endpoint %s has a path: S3 endpoints are host-only (https://host[:port]); put the bucket and prefix in --upload s3://BUCKET/PREFIX", redact.URL(opts.S3Endpoint))
				}
			}
			if opts.PinataAPI != "" {
				if opts.Upload != "pinata" {
					return cmdutil.UsageError("--pinata-api is for --upload pinata")
				}
				if u, err := url.Parse(opts.PinataAPI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return cmdutil.UsageError("--pinata-api %s: want the v3 API's URL, https://host[/v3]", redact.URL(opts.PinataAPI))
				}
			}
			if err := cmdutil.CheckKuboAuth(opts.IPFSAPI, opts.IPFSAPIAuthEnv); err != nil {
				return err
			}
			if opts.PinningService != "" && opts.ServiceTokenEnv == "" {
				return cmdutil.UsageError("--pinning-service needs --pinning-service-token-env NAME: the environment variable holding its access token")
			}
			if runF != nil {
				return runF(opts)
			}
			return pinRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.IPFSAPI, "ipfs-api", "", "Kubo RPC `address` (multiaddr or URL)")
	cmdutil.RegisterKuboAuth(fl, &opts.IPFSAPIAuthEnv, "")
	fl.StringVar(&opts.CAR, "car", "", "write every block to this CAR `file` (no node needed)")
	fl.StringVar(&opts.Upload, "upload", "", "upload each root's CAR to `s3://BUCKET[/PREFIX]` (S3 with CAR import, e.g. Filebase; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY [AWS_SESSION_TOKEN] or AWS_PROFILE) or to pinata (JWT from PINATA_JWT)")
	fl.StringVar(&opts.S3Endpoint, "s3-endpoint", "", "the S3-compatible service's `URL` for --upload s3:// (default "+pin.DefaultS3Endpoint+")")
	fl.StringVar(&opts.PinataAPI, "pinata-api", "", "a Pinata-compatible v3 API `URL` for --upload pinata, for uploads and queries (default "+pin.DefaultPinataUploads+" and "+pin.DefaultPinataAPI+")")
	fl.StringVar(&opts.PinningService, "pinning-service", "", "also pin the roots on this Pinning Service API `URL`")
	fl.StringVar(&opts.ServiceTokenEnv, "pinning-service-token-env", "", "the environment variable `NAME` holding the pinning service's token")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "compute every CID and print the baseURI; upload nothing, change nothing")
	return cmd
}

// pinRun pins the kept items and prints the baseURI.
func pinRun(ctx context.Context, o *PinOptions) error {
	s, err := o.Spec()
	if err != nil {
		return err
	}
	if !o.DryRun {
		unlock, err := state.Lock(o.Dir)
		if err != nil {
			return err
		}
		defer unlock()
	}
	db, err := o.State(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	remote := false // published to a node or service not on this machine
	// One display for the run: the uploads' bytes as a bar on a terminal
	// (plain lines in a pipe or CI, nothing with -q or --json), the run's
	// events as lines above it.
	o.bar = cmdutil.NewByteProgress(o.IO, "upload", o.Quiet || o.JSON)
	defer o.bar.Finish()
	run := pin.Options{Dir: o.Dir, DB: db, Collection: pin.MetadataFactsFromSpec(s), DryRun: o.DryRun, Progress: o.progress()}
	if !o.DryRun {
		token := ""
		if o.ServiceTokenEnv != "" {
			token = o.Getenv(o.ServiceTokenEnv)
			if token == "" {
				return cmdutil.UsageError("the environment variable %s is empty: put the pinning service's token in it", o.ServiceTokenEnv)
			}
		}
		auth, err := cmdutil.KuboAuth(o.Getenv, o.IPFSAPIAuthEnv)
		if err != nil {
			return err
		}
		dest, err := pin.OpenDestinations(ctx, pin.DestinationOptions{IPFSAPI: o.IPFSAPI, IPFSAuth: auth, CAR: o.CAR, NoNode: o.Upload != "",
			PinningService: o.PinningService, PinningServiceToken: token, Getenv: o.Getenv})
		if err != nil {
			return cmdutil.PinError(err)
		}
		run.Pinners, run.CAR = dest.Pinners, dest.CAR
		if dest.Remote != nil {
			dest.Remote.Sent = o.sent()
		}
		remote = dest.Remote != nil || o.Upload != ""
		if o.Upload != "" {
			svc, err := o.service()
			if err != nil {
				return cmdutil.PinError(err)
			}
			run.Services = append(run.Services, svc)
		}
	}
	res, err := pin.Run(ctx, run)
	o.bar.Finish()
	if err != nil {
		return cmdutil.PinError(err)
	}
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, res)
	}
	cmdutil.PrintPinned(o.IO.Out, res)
	if n := len(res.Aborted); n > 0 && !o.Quiet {
		fmt.Fprintf(o.IO.Out, "Aborted %s of roots this collection no longer has, so they stop billing: %s.\n",
			english.Plural(n, "unfinished upload", ""), strings.Join(res.Aborted, "; "))
	}
	if n := len(res.Restored); n > 0 && !o.Quiet {
		fmt.Fprintf(o.IO.Out, "Restored %d upload records from %s/ into the state, each confirmed by its service.\n", n, pin.UploadsDir)
	}
	if remote && !o.Quiet {
		fmt.Fprintln(o.IO.Out, "Check every token through the service's gateway: genmint verify --gateway URL (e.g. https://ipfs.filebase.io for Filebase, your Pinata gateway for Pinata).")
	}
	return nil
}

// service opens the --upload destination.
func (o *PinOptions) service() (pin.CARService, error) {
	if o.Upload == "pinata" {
		return pin.NewPinata(pin.PinataOptions{JWT: strings.TrimSpace(o.Getenv("PINATA_JWT")), StateDir: filepath.Join(o.Dir, state.Dir, "uploads"),
			Uploads: o.PinataAPI, API: o.PinataAPI, Sent: o.sent()})
	}
	bucket, prefix, err := pin.ParseS3Upload(o.Upload)
	if err != nil {
		return nil, cmdutil.UsageError("%v", err)
	}
	so := pin.S3Options{Endpoint: o.S3Endpoint, Bucket: bucket, Prefix: prefix, Sent: o.sent()}
	so.CredentialsFromEnv(o.Getenv)
	return pin.NewS3(so)
}

// sent feeds the upload display: the bytes sent of every CAR under way
// (S3 objects and Pinata files go side by side), against their total.
func (o *PinOptions) sent() pin.SentFunc {
	if o.Quiet || o.JSON {
		return nil
	}
	var mu sync.Mutex
	done, total := map[string]int64{}, map[string]int64{}
	return func(key string, n, size int64) {
		mu.Lock()
		defer mu.Unlock()
		done[key], total[key] = n, max(size, n)
		var d, t int64
		for k := range done {
			d, t = d+done[k], t+total[k]
		}
		o.bar.Set(d, t)
	}
}

// line prints one event line: above the upload bar, or plainly with --json.
func (o *PinOptions) line(format string, args ...any) {
	if o.JSON {
		fmt.Fprintf(o.IO.ErrOut, format+"\n", args...)
		return
	}
	o.bar.Log(fmt.Sprintf(format, args...))
}

// progress prints one line per root reaching a destination.
func (o *PinOptions) progress() func(pin.Event) {
	if o.Quiet {
		return nil
	}
	return func(e pin.Event) {
		switch e.Kind {
		case pin.EventComputed:
			o.line("%-10s %s", e.Root, e.CID)
		case pin.EventPinned:
			o.line("%-10s pinned to %s", e.Root, e.Destination)
		case pin.EventSending:
			o.line("%-10s sending %s CAR to %s", e.Root, cmdutil.Bytes(int64(e.Total)), e.Destination)
		case pin.EventAlreadyThere:
			o.line("%-10s already on %s", e.Root, e.Destination)
		case pin.EventGone:
			o.line("%s", e.Note)
		}
	}
}
