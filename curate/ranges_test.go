package curate

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestParseIDs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
	}{
		{"1", []int{1}},
		{"1-3", []int{1, 2, 3}},
		{"1-20,25", append(seq(1, 20), 25)},
		{" 5 , 2-3 ,5", []int{2, 3, 5}},
		{"4-4", []int{4}},
		{"3-5,1-4", []int{1, 2, 3, 4, 5}},
		{"7 - 9", []int{7, 8, 9}},
	} {
		got, err := ParseIDs(tc.in)
		if err != nil {
			t.Errorf("ParseIDs(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseIDs(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseIDsErrors(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"", "empty list"},
		{"  ", "empty list"},
		{"1,,2", "item 2 of the list is empty"},
		{"1,", "item 2 of the list is empty"},
		{"a", `"a" is not an item id`},
		{"1-b", `"b" is not an item id`},
		{"0", "ids start at 1"},
		{"-3", "is not a range"},
		{"3-", "is not a range"},
		{"5-3", "range 5-3 runs backwards: write 3-5"},
		{"1-2000000", "more than 1000000 ids"},
		{"99999999999999999999", "too large"},
		{"1.5", `"1.5" is not an item id`},
	} {
		_, err := ParseIDs(tc.in)
		if err == nil {
			t.Errorf("ParseIDs(%q) succeeded", tc.in)
			continue
		}
		if !errors.Is(err, ErrBadIDs) {
			t.Errorf("ParseIDs(%q) error %v does not wrap ErrBadIDs", tc.in, err)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseIDs(%q) = %q, want it to say %q", tc.in, err, tc.msg)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseIDs(%q) error is not one line: %q", tc.in, err)
		}
	}
}

func TestFormatIDs(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		want string
	}{
		{nil, "none"},
		{[]int{3}, "3"},
		{[]int{3, 1, 2, 7, 9, 10, 11}, "1-3, 7, 9-11"},
		{[]int{5, 5, 6}, "5-6"},
	} {
		if got := FormatIDs(tc.in); got != tc.want {
			t.Errorf("FormatIDs(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var many []int
	for i := 1; i <= 40; i += 2 {
		many = append(many, i)
	}
	if got := FormatIDs(many); !strings.HasSuffix(got, "23 and 8 more") {
		t.Errorf("FormatIDs(20 odd ids) = %q, want it cut after 12 with 8 more", got)
	}
	// Round trip.
	ids := []int{1, 2, 3, 8, 10, 11}
	back, err := ParseIDs(strings.ReplaceAll(FormatIDs(ids), " ", ""))
	if err != nil || !reflect.DeepEqual(back, ids) {
		t.Errorf("round trip %v → %q → %v, %v", ids, FormatIDs(ids), back, err)
	}
}

func TestArgIDs(t *testing.T) {
	var many []int
	for i := 1; i <= 40; i += 2 {
		many = append(many, i)
	}
	for _, ids := range [][]int{{3}, {3, 1, 2, 7, 9, 10, 11}, {5, 5, 6}, many} {
		arg := ArgIDs(ids)
		if strings.ContainsAny(arg, " ") {
			t.Errorf("ArgIDs(%v) = %q: a flag value has no spaces", ids, arg)
		}
		back, err := ParseIDs(arg)
		want := dedupe(append([]int(nil), ids...))
		sort.Ints(want)
		if err != nil || !reflect.DeepEqual(back, want) {
			t.Errorf("round trip %v → %q → %v, %v", ids, arg, back, err)
		}
	}
	if got := ArgIDs([]int{3, 1, 2, 7, 9, 10, 11}); got != "1-3,7,9-11" {
		t.Errorf("ArgIDs = %q", got)
	}
}

func seq(a, b int) []int {
	var s []int
	for i := a; i <= b; i++ {
		s = append(s, i)
	}
	return s
}
