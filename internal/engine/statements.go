package engine

import (
	"errors"
	"fmt"
	"sync"

	"github.com/duckdb/duckdb-go/v2/mapping"
)

// ErrManyStatements is returned for text holding more than one statement.
// The driver executes every statement but the last while preparing, so a
// read-only check on the prepared statement alone could be bypassed with
// "CREATE …; SELECT …".
var ErrManyStatements = errors.New("one statement at a time: the text holds more than one")

// splitter counts the statements in a text with DuckDB's own parser, on a
// private, empty database that nothing else uses: parsing runs nothing.
type splitter struct {
	mu   sync.Mutex
	db   mapping.Database
	conn mapping.Connection
}

func newSplitter() (*splitter, error) {
	s := &splitter{}
	if mapping.Open("", &s.db) == mapping.StateError {
		return nil, fmt.Errorf("cannot start the SQL parser")
	}
	if mapping.Connect(s.db, &s.conn) == mapping.StateError {
		mapping.Close(&s.db)
		return nil, fmt.Errorf("cannot start the SQL parser")
	}
	return s, nil
}

// single returns an error unless q holds exactly one statement.
func (s *splitter) single(q string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var stmts mapping.ExtractedStatements
	n := mapping.ExtractStatements(s.conn, q, &stmts)
	defer mapping.DestroyExtracted(&stmts)
	switch {
	case n == 0:
		if msg := mapping.ExtractStatementsError(stmts); msg != "" {
			return fmt.Errorf("query failed: %s", msg)
		}
		return fmt.Errorf("no statement: the query is empty")
	case n > 1:
		return ErrManyStatements
	}
	return nil
}

func (s *splitter) close() {
	mapping.Disconnect(&s.conn)
	mapping.Close(&s.db)
}
