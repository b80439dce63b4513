package ingest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// envelope covers the JSON shapes that carry flow-log lines in a
// "message" field: CloudWatch Logs subscription payloads (as Firehose
// delivers them: logEvents[]), `aws logs filter-log-events` output
// (events[]), and one-object-per-line exports ({"message": …}).
type envelope struct {
	MessageType string    `json:"messageType"`
	LogEvents   []message `json:"logEvents"`
	Events      []message `json:"events"`
	Message     *string   `json:"message"`
}

type message struct {
	Message string `json:"message"`
}

// readWrapped streams top-level JSON values (concatenated, one per line,
// or in an array) and parses each carried message as a flow-log line,
// numbered by its position in the source.
func (r *run) readWrapped(j *job, e *emitter, br *bufio.Reader) error {
	fr := &flowReader{job: j, userFmt: r.userFmt, out: e}
	dec := json.NewDecoder(br)
	var n int64
	emit := func(msg string) error {
		n++
		return fr.line(n, []byte(msg), len(msg) > maxMessage)
	}
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("cannot parse JSON after message %d: %w", n, err)
		}
		if err := walkEnvelope(raw, emit); err != nil {
			return err
		}
	}
}

const maxMessage = 64 << 10

func walkEnvelope(raw json.RawMessage, emit func(string) error) error {
	if len(raw) > 0 && raw[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Errorf("cannot parse JSON array: %w", err)
		}
		for _, it := range items {
			if err := walkEnvelope(it, emit); err != nil {
				return err
			}
		}
		return nil
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("cannot parse JSON object: %w", err)
	}
	return env.each(emit)
}

func (env *envelope) each(emit func(string) error) error {
	if env.MessageType == "CONTROL_MESSAGE" {
		return nil
	}
	for _, list := range [][]message{env.LogEvents, env.Events} {
		for _, m := range list {
			if err := emit(m.Message); err != nil {
				return err
			}
		}
	}
	if env.Message != nil {
		return emit(*env.Message)
	}
	return nil
}
