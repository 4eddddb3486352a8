package provenance

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/golden"
)

// wellFormed parses b with encoding/xml, failing the test on any error.
func wellFormed(t *testing.T, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("XMP is not well-formed: %v\n%s", err, b)
		}
	}
}

func TestXMPGolden(t *testing.T) {
	c := fixtureContent()
	h, _ := c.SHA256()
	x := XMP(&c, h)
	if !bytes.HasPrefix(x, []byte("<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>")) ||
		!bytes.HasSuffix(x, []byte(`<?xpacket end="r"?>`)) {
		t.Errorf("not an XMP packet wrapper:\n%s", x)
	}
	wellFormed(t, x)
	if again := XMP(&c, h); !bytes.Equal(again, x) {
		t.Error("XMP bytes are not deterministic")
	}
	golden.Check(t, filepath.Join("testdata", "xmp.golden"), x)
}

func TestXMPFields(t *testing.T) {
	c := fixtureContent()
	h, _ := c.SHA256()
	x := string(XMP(&c, h))
	for _, want := range []string{
		`xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"`,
		`xmlns:genmint="https://genmint.dev/ns/provenance/1.0/"`,
		"<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>",
		"<rdf:Seq>\n     <rdf:li>Ada Lovelace &lt;ada@example.com&gt;</rdf:li>",
		`<rdf:li xml:lang="x-default">a lighthouse at dusk, (oil painting:1.2), warm light &amp; &lt;fog&gt;</rdf:li>`,
		"<xmp:CreatorTool>genmint</xmp:CreatorTool>",
		"<genmint:RecordSHA256>" + h + "</genmint:RecordSHA256>",
		"<genmint:Item>7</genmint:Item>",
		"<genmint:Provider>automatic1111</genmint:Provider>",
		"<genmint:Model>v1-5-pruned-emaonly</genmint:Model>",
		"<genmint:Seed>1234</genmint:Seed>",
		`<genmint:Content>{"collection":"Harbour Lights",`,
	} {
		if !strings.Contains(x, want) {
			t.Errorf("XMP lacks %s", want)
		}
	}

	c.Creator, c.Seed.Actual = "", nil
	c.DigitalSourceType = SourceAlgorithmic
	x = string(XMP(&c, h))
	for _, absent := range []string{"dc:creator", "genmint:Seed"} {
		if strings.Contains(x, absent) {
			t.Errorf("XMP has %s although the content has none", absent)
		}
	}
	if !strings.Contains(x, "/digitalsourcetype/algorithmicMedia<") {
		t.Error("procedural content is not algorithmicMedia")
	}
}

func TestXMPEscapingKeepsContent(t *testing.T) {
	c := fixtureContent()
	c.Prompt = "</genmint:Content>]]><!-- & \"quotes\" 'apos' \r\n\t \x01\x1f \uFFFE\uFFFF 🌊"
	c.Creator = "<script>&amp;"
	c.Model = "a]]>b"
	c.Parameters = map[string]any{"k\uFFFF": "v\uFFFE"}
	h, err := c.SHA256()
	if err != nil {
		t.Fatal(err)
	}
	x := XMP(&c, h)
	wellFormed(t, x)
	f, err := parseXMP(x)
	if err != nil {
		t.Fatal(err)
	}
	if f.RecordSHA256 != h || f.DigitalSourceType != SourceTrainedAlgorithmic {
		t.Errorf("parsed %+v", f)
	}
	back, err := ParseContent([]byte(f.Content))
	if err != nil {
		t.Fatal(err)
	}
	if back.Prompt != c.Prompt || back.Creator != c.Creator {
		t.Errorf("prompt came back as %q", back.Prompt)
	}
	if h2, _ := back.SHA256(); h2 != h {
		t.Error("embedded content does not re-hash to the record hash")
	}
}

func TestParseXMPAttributeForm(t *testing.T) {
	// The same properties as rdf:Description attributes, as exiftool and
	// other writers serialise simple properties.
	packet := `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
  xmlns:g="https://genmint.dev/ns/provenance/1.0/"
  Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"
  g:RecordSHA256="abc123" g:Content="{&quot;item&quot;:3}"/>
</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
	f, err := parseXMP([]byte(packet))
	if err != nil {
		t.Fatal(err)
	}
	if f.RecordSHA256 != "abc123" || f.DigitalSourceType != SourceAlgorithmic || f.Content != `{"item":3}` {
		t.Errorf("parsed %+v", f)
	}
}

func TestParseXMPErrors(t *testing.T) {
	for name, in := range map[string]string{
		"unclosed":   "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><a>",
		"mismatched": "<a></b>",
		"bad char":   "<a>\x01</a>",
		"deep":       strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100),
	} {
		if _, err := parseXMP([]byte(in)); !errors.Is(err, ErrBadXMP) {
			t.Errorf("%s: err = %v, want ErrBadXMP", name, err)
		}
	}
}
