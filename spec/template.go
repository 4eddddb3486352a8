package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode"
	"unicode/utf8"
)

// Prompt templates are Go text/template over the item's traits:
//
//	{{.palette}}          the prompt text of the item's palette value
//	{{value "palette"}}   its attribute value (as shown on marketplaces)
//	{{item}}              the item id
//	{{lower .x}} {{upper .x}} {{title .x}} {{trim .x}} {{a .x}} ("a x" / "an x")
//
// A trait whose name is not an identifier is reached with {{index . "eye colour"}}.
// The rendered prompt has its whitespace collapsed to single spaces.

// funcs are the template functions; value and item are rebound per item.
func funcs(item int, values map[string]string) template.FuncMap {
	return template.FuncMap{
		"lower": strings.ToLower,
		"upper": strings.ToUpper,
		"title": title,
		"trim":  strings.TrimSpace,
		"a":     article,
		"item":  func() int { return item },
		"value": func(name string) (string, error) {
			v, ok := values[name]
			if !ok {
				return "", fmt.Errorf("no trait %q", name)
			}
			return v, nil
		},
	}
}

func title(s string) string {
	prev := ' '
	return strings.Map(func(r rune) rune {
		defer func() { prev = r }()
		if unicode.IsSpace(prev) || prev == '-' {
			return unicode.ToTitle(r)
		}
		return r
	}, s)
}

func article(s string) string {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(s))
	if strings.ContainsRune("aeiouAEIOU", r) {
		return "an " + s
	}
	return "a " + s
}

var (
	tmplErrLine = regexp.MustCompile(`^template: [^:]*:(\d+):(?:(\d+):)? ?(.*)$`)
	startedAt   = regexp.MustCompile(`started at [^:]*:(\d+)`)
)

// parseTemplate parses one template, reporting errors at the right line of
// the spec or template file.
func (l *loader) parseTemplate(name, text string, at Pos) *template.Template {
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs(0, nil)).Parse(text)
	if err != nil {
		pos, msg := at, err.Error()
		if m := tmplErrLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			if sm := startedAt.FindStringSubmatch(m[3]); sm != nil {
				line, _ = strconv.Atoi(sm[1])
			}
			pos.Line += line - 1
			if line > 1 {
				pos.Column = 0
			}
			msg = m[3]
		}
		l.add(SeverityError, pos, name, "see https://pkg.go.dev/text/template for the syntax", "template error: %s", msg)
		return nil
	}
	return t
}

// checkTemplates parses the prompt templates and checks every trait they
// name exists; a trait they never name is only an attribute (a warning).
func (l *loader) checkTemplates() {
	pr := &l.s.Prompt
	if pr.Text == "" && pr.File == "" {
		return
	}
	names := l.declared
	used := map[string]bool{}
	check := func(path, text string, t *template.Template) {
		if t == nil {
			return
		}
		at := l.s.Position(path)
		walkRefs(t.Tree.Root, func(n parse.Node, name string) {
			if containsStr(names, name) {
				used[name] = true
				return
			}
			pos := at
			line, col := lineCol(text, int(n.Position()))
			pos.Line += line - 1
			if line > 1 || pos.Column == 0 {
				pos.Column = col
			} else {
				pos.Column += col - 1
			}
			l.add(SeverityError, pos, path, didYouMean(name, names), "unknown trait %q", name)
		})
	}
	pr.tmpl = l.parseTemplate("prompt.template", pr.Text, l.s.Position("prompt.template"))
	check("prompt.template", pr.Text, pr.tmpl)
	if pr.NegativeText != "" {
		pr.neg = l.parseTemplate("prompt.negative", pr.NegativeText, l.s.Position("prompt.negative"))
		check("prompt.negative", pr.NegativeText, pr.neg)
	}
	if pr.tmpl == nil {
		return
	}
	for _, t := range l.s.Traits {
		if !used[t.Name] {
			path := "traits." + t.Name
			l.add(SeverityWarning, l.s.Position(path), path, "use {{."+t.Name+"}} in the prompt if it should shape the image",
				"trait %q is not used in the prompt: it will only be an attribute", t.Name)
		}
	}
}

// walkRefs calls fn for every trait a template refers to at the top level:
// {{.name}}, {{index . "name"}} and {{value "name"}}.
func walkRefs(n parse.Node, fn func(parse.Node, string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkRefs(c, fn)
		}
	case *parse.ActionNode:
		walkRefs(n.Pipe, fn)
	case *parse.IfNode:
		walkRefs(n.Pipe, fn)
		walkRefs(n.List, fn)
		walkRefs(n.ElseList, fn)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkRefs(c, fn)
		}
	case *parse.CommandNode:
		if len(n.Args) >= 2 {
			if id, ok := n.Args[0].(*parse.IdentifierNode); ok {
				switch id.Ident {
				case "value":
					if s, ok := n.Args[1].(*parse.StringNode); ok {
						fn(s, s.Text)
					}
				case "index":
					if _, ok := n.Args[1].(*parse.DotNode); ok && len(n.Args) >= 3 {
						if s, ok := n.Args[2].(*parse.StringNode); ok {
							fn(s, s.Text)
						}
					}
				}
			}
		}
		for _, a := range n.Args {
			walkRefs(a, fn)
		}
	case *parse.FieldNode:
		fn(n, n.Ident[0])
	case *parse.ChainNode:
		walkRefs(n.Node, fn)
	}
	// range/with change the dot: their bodies are not checked.
}

func lineCol(text string, offset int) (line, col int) {
	if offset > len(text) {
		offset = len(text)
	}
	before := text[:offset]
	line = strings.Count(before, "\n") + 1
	col = offset - strings.LastIndexByte(before, '\n')
	return line, col
}

var spaces = regexp.MustCompile(`\s+`)

// render executes a prompt template for one item.
func render(t *template.Template, item int, traits []chosen) (string, error) {
	if t == nil {
		return "", nil
	}
	data := make(map[string]string, len(traits))
	values := make(map[string]string, len(traits))
	for _, c := range traits {
		data[c.list.Name] = c.value.Prompt
		values[c.list.Name] = c.value.Value
	}
	tc, err := t.Clone()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := tc.Funcs(funcs(item, values)).Execute(&b, data); err != nil {
		return "", fmt.Errorf("render %s for item %d: %w", t.Name(), item, err)
	}
	return strings.TrimSpace(spaces.ReplaceAllString(b.String(), " ")), nil
}
