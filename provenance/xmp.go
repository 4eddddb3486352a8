package provenance

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// XMP namespaces genmint writes.
const (
	NSIptc4xmpExt = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
	NSGenmint     = "https://genmint.dev/ns/provenance/1.0/"
	nsRDF         = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsDC          = "http://purl.org/dc/elements/1.1/"
	nsXMPRights   = "http://ns.adobe.com/xap/1.0/rights/"
	nsXMP         = "http://ns.adobe.com/xap/1.0/"
	nsX           = "adobe:ns:meta/"
)

// CreatorTool is the xmp:CreatorTool genmint writes.
const CreatorTool = "genmint"

// XMP returns the XMP packet embedded in the final image: a read-only
// packet (end="r") with one rdf:Description holding
//
//   - Iptc4xmpExt:DigitalSourceType: the IPTC digital source type URI;
//   - dc:creator (when the content names a creator), dc:description (the
//     prompt, x-default) and xmp:CreatorTool "genmint";
//   - with a licence: dc:rights (its name, x-default), xmpRights:UsageTerms
//     ("Licensed under <name>: <URL>", x-default) and xmpRights:WebStatement
//     (its URL), the XMP Rights Management fields;
//   - in the genmint namespace (https://genmint.dev/ns/provenance/1.0/):
//     RecordSHA256 = contentSHA256, Item, Provider, Model, Seed (the seed
//     actually used, when there is one) and Content, the content's JSON, so
//     that the image alone is enough to verify it.
//
// The bytes are deterministic. Text is XML-escaped; characters XML cannot
// carry at all are replaced by U+FFFD in the display fields, and written as
// JSON \u escapes inside Content, which therefore still decodes to the very
// same Content (its bytes may differ from CanonicalJSON only there). Content
// is left empty when c cannot be encoded; Embed hashes c first and so never
// gets that far.
func XMP(c *Content, contentSHA256 string) []byte {
	var b bytes.Buffer
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="` + nsX + `" x:xmptk="genmint">` + "\n")
	b.WriteString(` <rdf:RDF xmlns:rdf="` + nsRDF + `">` + "\n")
	b.WriteString(`  <rdf:Description rdf:about=""` + "\n")
	b.WriteString(`    xmlns:dc="` + nsDC + `"` + "\n")
	b.WriteString(`    xmlns:xmp="` + nsXMP + `"` + "\n")
	if c.License != nil {
		b.WriteString(`    xmlns:xmpRights="` + nsXMPRights + `"` + "\n")
	}
	b.WriteString(`    xmlns:Iptc4xmpExt="` + NSIptc4xmpExt + `"` + "\n")
	b.WriteString(`    xmlns:genmint="` + NSGenmint + `">` + "\n")
	elem := func(name, text string) {
		b.WriteString("   <" + name + ">")
		xmlText(&b, text)
		b.WriteString("</" + name + ">\n")
	}
	elem("Iptc4xmpExt:DigitalSourceType", c.DigitalSourceType)
	if c.Creator != "" {
		b.WriteString("   <dc:creator>\n    <rdf:Seq>\n     <rdf:li>")
		xmlText(&b, c.Creator)
		b.WriteString("</rdf:li>\n    </rdf:Seq>\n   </dc:creator>\n")
	}
	b.WriteString("   <dc:description>\n    <rdf:Alt>\n     <rdf:li xml:lang=\"x-default\">")
	xmlText(&b, c.Prompt)
	b.WriteString("</rdf:li>\n    </rdf:Alt>\n   </dc:description>\n")
	if l := c.License; l != nil {
		alt := func(name, text string) {
			b.WriteString("   <" + name + ">\n    <rdf:Alt>\n     <rdf:li xml:lang=\"x-default\">")
			xmlText(&b, text)
			b.WriteString("</rdf:li>\n    </rdf:Alt>\n   </" + name + ">\n")
		}
		alt("dc:rights", l.Name)
		alt("xmpRights:UsageTerms", "Licensed under "+l.Name+": "+l.URL)
		elem("xmpRights:WebStatement", l.URL)
	}
	elem("xmp:CreatorTool", CreatorTool)
	elem("genmint:RecordSHA256", contentSHA256)
	elem("genmint:Item", strconv.Itoa(c.Item))
	elem("genmint:Provider", c.Provider)
	elem("genmint:Model", c.Model)
	if c.Seed.Actual != nil {
		elem("genmint:Seed", strconv.FormatUint(*c.Seed.Actual, 10))
	}
	b.WriteString("   <genmint:Content>")
	if j, err := CanonicalJSON(c); err == nil {
		xmlText(&b, jsonForXML(j))
	}
	b.WriteString("</genmint:Content>\n")
	b.WriteString("  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n")
	b.WriteString(`<?xpacket end="r"?>`)
	return b.Bytes()
}

// xmlText writes s as XML character data: &, < and > escaped, CR as a
// character reference (a literal one would be turned into LF by any XML
// reader), and characters outside XML's Char production as U+FFFD.
func xmlText(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == utf8.RuneError && size == 1, !isXMLChar(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}

// isXMLChar is XML 1.0's Char production.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// jsonForXML rewrites characters XML cannot hold as JSON \u escapes. In
// encoding/json output such characters (U+FFFE, U+FFFF; control characters
// are escaped already) occur only inside strings, where the escape decodes
// to the same character.
func jsonForXML(j []byte) string {
	s := string(j)
	if strings.IndexFunc(s, func(r rune) bool { return !isXMLChar(r) }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isXMLChar(r) {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// xmpFacts are the values Extract reads from an XMP packet.
type xmpFacts struct {
	DigitalSourceType string
	RecordSHA256      string
	Content           string
	hasContent        bool
}

// ErrBadXMP is returned for an XMP packet that is not well-formed XML.
var ErrBadXMP = errors.New("malformed XMP packet")

// parseXMP reads the genmint and IPTC properties from any XMP packet. It
// accepts both RDF spellings of a simple property, an element
// (<genmint:RecordSHA256>…</…>) and an attribute of rdf:Description
// (genmint:RecordSHA256="…"), since other XMP writers (exiftool among them)
// re-serialise packets in either.
func parseXMP(packet []byte) (*xmpFacts, error) {
	var f xmpFacts
	set := func(name xml.Name, val string) {
		switch {
		case name.Space == NSIptc4xmpExt && name.Local == "DigitalSourceType":
			f.DigitalSourceType = strings.TrimSpace(val)
		case name.Space == NSGenmint && name.Local == "RecordSHA256":
			f.RecordSHA256 = strings.TrimSpace(val)
		case name.Space == NSGenmint && name.Local == "Content":
			f.Content, f.hasContent = val, true
		}
	}
	dec := xml.NewDecoder(bytes.NewReader(packet))
	dec.Strict = true
	var (
		stack []xml.Name
		text  []byte
	)
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF && len(stack) == 0 {
				break
			}
			return nil, fmt.Errorf("%w: %v", ErrBadXMP, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > 64 {
				return nil, fmt.Errorf("%w: nested too deeply", ErrBadXMP)
			}
			for _, a := range t.Attr {
				set(a.Name, a.Value)
			}
			stack = append(stack, t.Name)
			text = text[:0]
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			set(t.Name, string(text))
			stack = stack[:len(stack)-1]
			text = text[:0]
		}
	}
	return &f, nil
}
