package layers

// Test hooks for the external tests (base_test.go).
var (
	WriteFixture = writeFixture
	FixturePixel = fixturePixel
	RefOver      = refOver
	DecodeNRGBA  = decodeNRGBA
	Item         = item
	SeedOf       = seedOf
)

const FW, FH = fw, fh
