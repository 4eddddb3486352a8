package spec

import (
	"reflect"
	"strings"
	"testing"
)

func TestTraitDisplayAndCollectionExtras(t *testing.T) {
	const head = "name: L\nsymbol: L\ncount: 2\nseed: 1\nprompt: \"x {{.Level}}\"\n" +
		"traits:\n  Level: [1, 2, 10]\n  Born: [1700000000, 1710000000]\n  Mood: [calm, wild]\n"
	for _, tc := range []struct {
		name, yaml string
		check      func(t *testing.T, s *Spec)
		problem    string
	}{
		{name: "all", yaml: "trait_display:\n  Level: {display_type: boost_number, max_value: 10}\n  Born: {display_type: date}\n" +
			"background_color: 1A2b3C\nbanner_image: \"ipfs://bafybanner/b.png\"\nfeatured_image: \"https://example.org/f.png\"\n" +
			"collaborators: [\"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC\"]\n",
			check: func(t *testing.T, s *Spec) {
				want := map[string]TraitDisplay{"Level": {DisplayType: "boost_number", MaxValue: "10"}, "Born": {DisplayType: "date"}}
				if !reflect.DeepEqual(s.TraitDisplay, want) || s.BackgroundColor != "1a2b3c" || s.BannerImage != "ipfs://bafybanner/b.png" ||
					s.FeaturedImage != "https://example.org/f.png" || len(s.Collaborators) != 1 {
					t.Fatalf("%+v %q %q %q %v", s.TraitDisplay, s.BackgroundColor, s.BannerImage, s.FeaturedImage, s.Collaborators)
				}
			}},
		{name: "display typo", yaml: "trait_display:\n  Level: {display_type: boost_numbr}\n",
			problem: `genmint.yaml:11:25: trait_display.Level.display_type: unknown display_type "boost_numbr" (did you mean "boost_number"?)`},
		{name: "unknown trait", yaml: "trait_display:\n  Levl: {display_type: number}\n",
			problem: `genmint.yaml:11:3: trait_display.Levl: unknown trait "Levl" (did you mean "Level"?)`},
		{name: "unknown key", yaml: "trait_display:\n  Level: {display_type: number, max: 3}\n",
			problem: `genmint.yaml:11:33: trait_display.Level.max: unknown key "max" (did you mean "max_value"?)`},
		{name: "missing display_type", yaml: "trait_display:\n  Level: {max_value: 3}\n",
			problem: `genmint.yaml:11:10: trait_display.Level.display_type: missing`},
		{name: "not numeric", yaml: "trait_display:\n  Mood: {display_type: number}\n",
			problem: `genmint.yaml:9:3: traits.Mood: value "calm" is not a number`},
		{name: "above max", yaml: "trait_display:\n  Level: {display_type: number, max_value: 5}\n",
			problem: `genmint.yaml:11:33: trait_display.Level.max_value: value 10 of trait "Level" is above max_value 5`},
		{name: "max not a number", yaml: "trait_display:\n  Level: {display_type: number, max_value: lots}\n",
			problem: `genmint.yaml:11:44: trait_display.Level.max_value: max_value "lots" is not a number`},
		{name: "date with max", yaml: "trait_display:\n  Born: {display_type: date, max_value: 5}\n",
			problem: `genmint.yaml:11:41: trait_display.Born.max_value: max_value is not used with display_type date`},
		{name: "colour with hash", yaml: "background_color: \"#1a2b3c\"\n",
			problem: `genmint.yaml:10:19: background_color: background_color "#1a2b3c" starts with # (write it without the #: 1a2b3c)`},
		{name: "colour", yaml: "background_color: blue\n",
			problem: `genmint.yaml:10:19: background_color: background_color "blue" is not a colour`},
		{name: "banner file missing", yaml: "banner_image: banner.png\n",
			problem: `genmint.yaml:10:15: banner_image: cannot read banner.png: no such file (put the picture in the collection folder and name it here, or give an ipfs:// or https:// URI)`},
		{name: "featured file outside", yaml: "featured_image: ../featured.png\n",
			problem: `genmint.yaml:10:17: featured_image: "../featured.png" is outside the collection folder: it climbs out with .. (` + "copy the file"},
		{name: "collaborator", yaml: "collaborators: [\"0x12\"]\n",
			problem: `genmint.yaml:10:17: collaborators[0]: "0x12" is not an address`},
		{name: "top-level typo", yaml: "trait_dispaly: {}\n",
			problem: `genmint.yaml:10:1: trait_dispaly: unknown key "trait_dispaly" (did you mean "trait_display"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, problems, err := Load(write(t, head+tc.yaml), Options{})
			if tc.problem != "" {
				if err == nil || len(problems) == 0 || !strings.HasPrefix(err.Error(), tc.problem) {
					t.Fatalf("problems = %v\nwant %s", problems, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err, problems)
			}
			tc.check(t, s)
		})
	}
}
