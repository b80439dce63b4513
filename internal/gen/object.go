package gen

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/gzip"
)

// gzObject writes one gzip object. The gzip and buffer state is reused
// from one object to the next, so a generator allocates it once.
type gzObject struct {
	f    *os.File
	gz   *gzip.Writer
	bw   *bufio.Writer
	path string
	err  error // the first write error; sticky
}

func newGzObject() *gzObject {
	gz, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // BestSpeed is a valid level
	return &gzObject{gz: gz, bw: bufio.NewWriterSize(nil, 128<<10)}
}

func (o *gzObject) open(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot create object: %w", err)
	}
	o.f, o.path, o.err = f, path, nil
	o.gz.Reset(f)
	o.bw.Reset(o.gz)
	return nil
}

func (o *gzObject) isOpen() bool { return o.f != nil }

func (o *gzObject) write(b []byte) {
	if o.err == nil {
		_, o.err = o.bw.Write(b)
	}
}

func (o *gzObject) close() error {
	if o.f == nil {
		return nil
	}
	err := o.err
	if e := o.bw.Flush(); err == nil {
		err = e
	}
	if e := o.gz.Close(); err == nil {
		err = e
	}
	if e := o.f.Close(); err == nil {
		err = e
	}
	o.f = nil
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", o.path, err)
	}
	return nil
}

// flowObjects cuts one flow log's records into objects of 5 to 10
// minutes, named and placed as AWS delivers them to S3:
// AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/
// <account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz.
// An object is created only when a line is written into it.
type flowObjects struct {
	root            string
	account, region string
	flowLogID       string
	header          []byte
	seed            uint64
	start           int64
	obj             *gzObject
	first, next     int // windows of the current object: [first, next)
	n               int // objects begun
	written         int // objects created
}

func newFlowObjects(e *estate, root, account, region, flowLogID string, header string) *flowObjects {
	return &flowObjects{
		root: root, account: account, region: region, flowLogID: flowLogID,
		header: []byte(header + "\n"), seed: hash(e.seed, hashString(flowLogID)),
		start: e.start, obj: newGzObject(),
	}
}

// roll closes the current object when window w is past it.
func (s *flowObjects) roll(w int) error {
	if w < s.next {
		return nil
	}
	err := s.obj.close()
	s.first = w
	s.next = w + 5 + int(hash(s.seed, uint64(s.n))%6)
	s.n++
	return err
}

func (s *flowObjects) write(line []byte) error {
	if !s.obj.isOpen() {
		if err := s.obj.open(s.path()); err != nil {
			return err
		}
		s.written++
		s.obj.write(s.header)
	}
	s.obj.write(line)
	return nil
}

func (s *flowObjects) path() string {
	t := time.Unix(s.start+int64(s.first)*window, 0).UTC()
	h := appendHex(nil, hash(s.seed, uint64(s.n), 1), 8)
	name := fmt.Sprintf("%s_vpcflowlogs_%s_%s_%s_%s.log.gz", s.account, s.region, s.flowLogID, t.Format("20060102T1504Z"), h)
	return filepath.Join(s.root, "AWSLogs", s.account, "vpcflowlogs", s.region, t.Format("2006"), t.Format("01"), t.Format("02"), name)
}

func (s *flowObjects) close() error { return s.obj.close() }
