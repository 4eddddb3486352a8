// Package collpath is the one rule for a file the spec names (a prompt
// file, the cover image, a watermark image, a ComfyUI workflow, …): it is
// written relative to the collection folder and, once every symlink is
// followed, stays inside it. Anything else is refused before it is read, so
// a spec can never publish, embed or send a file from outside the folder.
package collpath

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrOutside is wrapped by every refusal of a path outside the collection.
var ErrOutside = errors.New("outside the collection folder")

// Error is a refused path: Name as written in the spec and why it is outside.
type Error struct {
	Name   string
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%q is %v: %s", e.Name, ErrOutside, e.Reason)
}

// Unwrap makes errors.Is(err, ErrOutside) hold.
func (e *Error) Unwrap() error { return ErrOutside }

// Hint is what to do about a refused path, for the spec's problem list.
const Hint = "copy the file into the collection folder and name it relative to the folder, e.g. assets/logo.png"

// Clean checks name lexically: relative, and not climbing out with "..".
// It returns the cleaned, slash-separated name.
func Clean(name string) (string, error) {
	if name == "" {
		return "", &Error{Name: name, Reason: "the name is empty"}
	}
	if strings.ContainsRune(name, 0) {
		return "", &Error{Name: name, Reason: "the name holds a NUL byte"}
	}
	slashed := strings.ReplaceAll(name, `\`, "/")
	if filepath.IsAbs(name) || strings.HasPrefix(slashed, "/") || filepath.VolumeName(name) != "" {
		return "", &Error{Name: name, Reason: "it is an absolute path"}
	}
	c := filepath.Clean(filepath.FromSlash(name))
	if cs := path.Clean(slashed); cs == ".." || strings.HasPrefix(cs, "../") ||
		c == ".." || strings.HasPrefix(c, ".."+string(filepath.Separator)) {
		return "", &Error{Name: name, Reason: "it climbs out with .."}
	}
	if c == "." {
		return "", &Error{Name: name, Reason: "it names the collection folder itself, not a file"}
	}
	return filepath.ToSlash(c), nil
}

// Resolve returns the file name refers to inside the collection folder dir,
// with every symlink followed. It refuses (with an *Error) an absolute
// name, a name that climbs out with "..", and a symlink that leads out of
// dir. A file that does not exist yet is resolved as far as its folders go;
// the returned error then wraps os.ErrNotExist.
func Resolve(dir, name string) (string, error) {
	c, err := Clean(name)
	if err != nil {
		return "", err
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("collection folder: %w", err)
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, filepath.FromSlash(c))
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		// A dangling symlink names its target; a missing file resolves
		// through its existing parent.
		if target, lerr := os.Readlink(p); lerr == nil {
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(p), target)
			}
			if !inside(root, filepath.Clean(target)) {
				return "", &Error{Name: name, Reason: "it is a symlink to " + filepath.Clean(target)}
			}
		}
		parent, perr := filepath.EvalSymlinks(filepath.Dir(p))
		if perr == nil && !inside(root, parent) {
			return "", &Error{Name: name, Reason: "a symlink on the way leads to " + parent}
		}
		return p, fmt.Errorf("%s: %w", c, os.ErrNotExist)
	}
	if !inside(root, real) {
		return "", &Error{Name: name, Reason: "a symlink leads to " + real}
	}
	return real, nil
}

// inside reports whether p is root or below it (both clean and absolute).
func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// Open opens the file name refers to in dir for reading, refusing a path
// outside the folder as Resolve does. The open itself goes through an
// os.Root on dir, so a symlink swapped in after the check cannot lead out.
func Open(dir, name string) (*os.File, error) {
	c, err := Clean(name)
	if err != nil {
		return nil, err
	}
	if _, err := Resolve(dir, name); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("collection folder: %w", err)
	}
	defer r.Close()
	f, err := r.Open(filepath.FromSlash(c))
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, os.ErrPermission) {
			return nil, &Error{Name: name, Reason: pe.Err.Error()}
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: %w", c, ErrIsDir)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ErrIsDir is returned by Open and ReadFile for a name that is a folder.
var ErrIsDir = errors.New("is a folder, not a file")

// ErrTooLarge is returned by ReadFile for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// ReadFile reads the file name refers to in dir (see Open), at most limit
// bytes; a longer file is refused with ErrTooLarge.
func ReadFile(dir, name string, limit int64) ([]byte, error) {
	f, err := Open(dir, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %w (over %d bytes)", name, ErrTooLarge, limit)
	}
	return b, nil
}

// IsURI reports whether a spec value names a URI (ipfs://, ar://, https://,
// …) rather than a file of the collection: a scheme before "://" holding no
// path separator or dot.
func IsURI(s string) bool {
	i := strings.Index(s, "://")
	return i > 0 && !strings.ContainsAny(s[:i], "/\\.")
}
