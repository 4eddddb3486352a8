package pin

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	mdtest "github.com/ipfs/boxo/ipld/merkledag/test"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	carv2 "github.com/ipld/go-car/v2"
)

// loadCAR reads every block of a CAR into an in-memory DAG service.
func loadCAR(t *testing.T, path string) ipld.DAGService {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br, err := carv2.NewBlockReader(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	ds := mdtest.Mock()
	for {
		b, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var nd ipld.Node
		if b.Cid().Prefix().Codec == cid.Raw {
			nd, err = mdag.DecodeRawBlock(b)
		} else {
			nd, err = mdag.DecodeProtobufBlock(b)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := ds.Add(context.Background(), nd); err != nil {
			t.Fatal(err)
		}
	}
	return ds
}

// unixfsDirFiles lists a UnixFS directory (basic or HAMT) and reads each file.
func unixfsDirFiles(t *testing.T, ds ipld.DAGService, root string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	c, err := cid.Decode(root)
	if err != nil {
		t.Fatal(err)
	}
	nd, err := ds.Get(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := uio.NewDirectoryFromNode(ds, nd)
	if err != nil {
		t.Fatal(err)
	}
	links, err := dir.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, l := range links {
		out[l.Name] = unixfsFile(t, ds, l.Cid.String())
	}
	return out
}

// unixfsFile reads a UnixFS file (raw leaf or dag-pb) by CID.
func unixfsFile(t *testing.T, ds ipld.DAGService, c string) []byte {
	t.Helper()
	ctx := context.Background()
	k, err := cid.Decode(c)
	if err != nil {
		t.Fatal(err)
	}
	nd, err := ds.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	r, err := uio.NewDagReader(ctx, nd, ds)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
