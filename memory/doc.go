// Package memory turns closed cases into vectors that later investigations
// retrieve. It holds the contract only; backends live in child packages and
// this package imports none of them.
//
// Vocabulary, used in every comment of this tree:
//   - a case document ([CaseDoc]) is what memory keeps of one case: its title,
//     ATT&CK techniques, entity keys ("kind:value"), summary and verdict;
//   - its text ([DocText]) is the plain text an [Embedder] turns into a
//     vector;
//   - an embedder maps texts to vectors of a fixed number of dimensions, in
//     which similar cases lie close together;
//   - an item ([Item]) is one vector with its [Payload], stored under an id
//     (the case id) in a [Store];
//   - a hit ([Hit]) is an item a search returned, with its cosine similarity
//     to the query, from -1 (opposite) through 0 (unrelated) to 1 (same
//     direction);
//   - to remember is to embed a closed case and upsert it; to recall is to
//     embed a case at hand and search for the closest remembered ones.
//
// Backends: memory/local (the default embedder, offline), memory/openai (any
// OpenAI-compatible embeddings endpoint), memory/embedded (the default store:
// vectors persisted in the SQLite file, searched by an exact scan) and
// memory/qdrant (an HNSW index on a Qdrant server). Every store
// passes the conformance suite in memory/memorytest.
//
// Memory never owns case state: the case store is the record, and memory can
// be dropped and rebuilt from closed cases at any time. Recalled cases are
// hints for the planner and the analyst, never evidence: a case's text is
// partly written by whoever sent the alert or e-mail.
package memory
