// Package procedural is genmint's built-in image generator and its default
// provider: seeded generative art — flow fields, rings, cells, ridgelines,
// tilings — whose palette, motif, style, density, background and grain
// follow the words of the item's traits and prompt. It needs no network, no
// key and no GPU, and it is free.
//
// # Reproducible to the byte
//
// The same request (prompt, traits, seed, size, parameters) gives the same
// PNG bytes on every machine and every run: the renderer uses only integer
// and fixed-point arithmetic (no floating point, which Go may contract into
// FMA instructions differently per architecture), its own splitmix64
// generator and integer hash noise, a committed sine table (sintable.go,
// written by gen_sintable.go), and a fixed PNG compression level. The
// output changes only when the algorithm does; Result.ModelVersion names
// the algorithm version, and golden tests pin it. Changing image/png or
// compress/flate in a new Go release could change the PNG bytes (never the
// pixels); the golden file records both hashes to tell the two apart.
//
// # Configuration (genmint.yaml)
//
//	provider:
//	  name: procedural
//	  model: genmint-procedural   # optional; the only model
//	  params:
//	    width: 1024               # 16–8192, default 1024
//	    height: 1024              # 16–8192, default 1024
//	    palette: ocean            # optional: fixes the palette for every item
//	    motif: flow               # optional: flow, rings, cells, ridges, tiles
//	    style: silk               # optional: a style of a motif (see below)
//	    density: medium           # optional: sparse, medium, dense
//	    background: auto          # dark, light or auto (default)
//	    grain: false              # optional: film grain on or off
//
// Every parameter except the size is optional. A parameter, when given,
// wins; otherwise keywords decide; otherwise the seed does (the background
// follows the palette, and grain is off).
//
// # Keywords
//
// The prompt and the trait values are split into lower-case words and
// matched against the lists below (a trailing "s", "es", "ing", "y" or "ed"
// is also tried: "waves", "flowing", "stormy"). The trait values are
// searched first, in the spec's order, then the prompt; the first word that
// matches a list decides that list's choice. So an item whose Sky trait is
// "Sunset" gets the ember palette even if the shared prompt says "sea".
// Result.Params records each choice and what made it (palette_by, …).
//
// Palettes:
//
//	ocean      ocean, sea, tide, deep, marine, wave, lagoon, coral, blue, water
//	ember      ember, sunset, fire, dusk, flame, lava, volcano, inferno, red, blaze
//	forest     forest, moss, jungle, leaf, fern, pine, woods, green, grove, meadow
//	neon       neon, cyber, cyberpunk, synth, synthwave, vapor, vaporwave, arcade, electric, glitch
//	pastel     pastel, candy, dream, soft, cotton, sorbet, macaron, lullaby
//	mono       mono, monochrome, ink, charcoal, noir, graphite, grey, gray, black, white
//	desert     desert, sand, dune, canyon, mesa, sahara, terracotta, clay
//	aurora     aurora, arctic, ice, polar, glacier, frost, boreal, northern
//	regal      regal, gold, golden, royal, king, queen, crown, velvet, purple, luxury
//	rust       rust, autumn, fall, copper, bronze, amber, harvest, brown
//	bloom      bloom, flower, floral, rose, blossom, petal, sakura, spring, pink, romance
//	storm      storm, thunder, rain, slate, steel, fog, mist, cloud, industrial
//	citrus     citrus, lemon, lime, orange, summer, tropical, fruit, festival, carnival, pop
//	cosmic     cosmic, space, galaxy, nebula, star, cosmos, astral, celestial, planet, universe
//
// Motifs, and their styles. A style word picks its motif too ("stained
// glass" means cells drawn as stained glass); a motif word leaves the style
// to a style word of that motif, or to the seed.
//
//	flow       flow, stream, current, wind, drift, river, swirl, breeze, flux, turbulence
//	  ribbons    ribbon, brush, stroke, brushstroke — tapered strokes that never cross
//	  beads      bead, dot, dotted, pearl, pointillism, stipple — strings of swelling dots
//	  silk       silk, silky, hair, thread, fiber, fibre, wisp, feather, smoke — thousands of hairlines
//	rings      rings, ring, orbit, circle, concentric, vortex, whirlpool, eye
//	  bands      bands, agate, target, hypnotic, psychedelic — filled bands with fine contours
//	  contours   contour, contours, topographic, topo, map, tree, wood, timber — lines of varied weight
//	  halo       halo, ripple, rippling, pond, droplet, puddle — bands lit like ripples
//	cells      cells, cell, voronoi, shard, honeycomb, shatter, cracked, tessellation
//	  stained    stained, glass, window, cathedral — glowing panes in dark leading
//	  crystal    crystal, gem, facet, faceted, diamond, prism, quartz — faceted, lit from one side
//	  mosaic     mosaic, tesserae, pebble, cobble, cobblestone, terrazzo — tesserae and grout
//	ridges     ridges, ridge, horizon, landscape, valley, layer, strata, skyline, vista
//	  mountains  mountain, peak, alps, summit, cliff, highland — ranges fading into haze
//	  dunes      dune, hill, rolling — crests in raking light
//	  lines      pulse, pulsar, signal, waveform, radio, lines, frequency — stacked pulsing lines
//	  waves      wave, surf, breaker, swell — pointed crests with foam
//	tiles      tiles, tile, grid, lattice, tiling
//	  truchet    truchet, arc, knot, loop, pipe — two-coloured quarter-circle tiles
//	  maze       maze, labyrinth, circuit — one diagonal per tile
//	  weave      weave, woven, textile, basket, tartan, plaid, fabric, cloth — over-under threads
//	  bauhaus    bauhaus, quilt, geometric, modernist, midcentury, shapes — discs and triangles
//
// Density, background and grain:
//
//	sparse     sparse, minimal, minimalist, calm, quiet, serene, still, empty, simple, zen, lonely
//	medium     medium, balanced, moderate
//	dense      dense, busy, chaotic, intricate, complex, wild, crowded, frantic, detailed, chaos, storm, swarm
//	dark       night, dark, midnight, shadow, moonlit, moon, void, abyss, gothic, nocturne
//	light      dawn, light, paper, bright, day, morning, sunny, snow, airy, ivory, parchment
//	grain on   grain, grainy, film, noise, noisy, texture, textured, analog, analogue, vintage, risograph, riso, gritty, dust
//	grain off  smooth, clean, crisp, digital, glossy
//
// The palette, motif, style and density parameters also accept any of
// these keywords ("palette: sea" means ocean).
//
// # Composition and colour
//
// The composition depends on the seed and the motif (and style) only, not
// on the palette: the same seed recoloured with another palette keeps its
// shapes, so a collection can vary colour by trait while every item keeps
// its own layout. Different seeds give different images.
//
// # Provenance
//
// Result.Params holds the resolved palette, motif, style, density,
// background, grain, width and height, what chose each, and the renderer's
// internal choices and counts under "<motif>.<name>" (for example
// flow.strokes, rings.ring_spacing_px, tiles.tile_px).
package procedural
