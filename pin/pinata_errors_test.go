package pin

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
)

// An error body that spans lines (text, or JSON whose message does) is
// shown on one line: white space collapsed, control characters escaped,
// the JWT never echoed.
func TestPinataErrorBodyIsOneLine(t *testing.T) {
	for _, body := range []string{
		"upstream failure\r\n\tat gateway 7\n\n<html>\n" + pinataJWT + "\x1b[31m</html>\n",
		`{"error":{"reason":"BAD_REQUEST","details":"first line\nsecond line\n` + pinataJWT + `"}}`,
	} {
		srv := testenv.StartPinata(t)
		srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, body)
		})
		p := testPinata(t, srv, pinataJWT, 1<<20)
		_, err := p.Find(context.Background(), dummyCID(t), nil)
		if err == nil {
			t.Fatal("a 400 was taken as an answer")
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\r\n\t\x1b") || strings.Contains(msg, pinataJWT) || !strings.Contains(msg, "400") {
			t.Fatalf("error %q: want one line, no control character, no JWT", msg)
		}
		if !strings.Contains(msg, "upstream failure at gateway 7") && !strings.Contains(msg, "first line second line") {
			t.Fatalf("error %q lost the server's words", msg)
		}
	}
}
