package solcgen

import (
	"slices"
	"testing"
)

func TestImportsAndResolution(t *testing.T) {
	src := `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
import "./A.sol";
import {B, C} from "../lib/B.sol";
import * as D from '@openzeppelin/contracts/utils/D.sol';
import {
    E
} from "erc721a/contracts/E.sol";
// import "./commented.sol";
/* import "./block-commented.sol"; */
contract X { string s = "import \"no\""; }
`
	got := imports(src)
	want := []string{"./A.sol", "../lib/B.sol", "@openzeppelin/contracts/utils/D.sol", "erc721a/contracts/E.sol"}
	if !slices.Equal(got, want) {
		t.Fatalf("imports = %q, want %q", got, want)
	}
	for _, tc := range []struct{ from, imp, want string }{
		{"src/X.sol", "./A.sol", "src/A.sol"},
		{"@openzeppelin/contracts/token/ERC721/ERC721.sol", "../../utils/Context.sol", "@openzeppelin/contracts/utils/Context.sol"},
		{"src/X.sol", "@openzeppelin/contracts/access/Ownable.sol", "@openzeppelin/contracts/access/Ownable.sol"},
	} {
		if got := resolveImport(tc.from, tc.imp); got != tc.want {
			t.Errorf("resolveImport(%q, %q) = %q, want %q", tc.from, tc.imp, got, tc.want)
		}
	}
	if _, err := unitFile("/r", "forge-std/Test.sol"); err == nil {
		t.Error("an unpinned library resolved")
	}
}
