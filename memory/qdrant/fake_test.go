package qdrant_test

import (
	"context"
	"math"
	"net"
	"slices"
	"sort"
	"sync"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// fakeQdrant is an in-process Qdrant speaking the real gRPC services, with
// the semantics the store relies on: collections of one unnamed dense vector,
// cosine scores over vectors normalized at upsert, keyword filters on string
// and list payload fields, exact counts. A request of a shape it does not
// know is an error, so that the store cannot drift into calls the fake
// would silently accept.
type fakeQdrant struct {
	mu      sync.Mutex
	colls   map[string]*fakeColl
	apiKeys []string // the api-key metadata of every call
	calls   []string // the method of every call
	creates []*qc.CreateCollection
	indexed []string
	waits   []bool // the Wait flag of every write
}

type fakeColl struct {
	dims   int
	dist   qc.Distance
	points map[string]fakePoint
}

type fakePoint struct {
	vec     []float32
	payload map[string]*qc.Value
}

type collections struct {
	qc.UnimplementedCollectionsServer
	*fakeQdrant
}

type points struct {
	qc.UnimplementedPointsServer
	*fakeQdrant
}

// startFake serves a fake on a loopback port and returns it with its address.
func startFake(t *testing.T) (*fakeQdrant, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeQdrant{colls: map[string]*fakeColl{}}
	srv := grpc.NewServer(grpc.UnaryInterceptor(f.intercept))
	qc.RegisterCollectionsServer(srv, collections{fakeQdrant: f})
	qc.RegisterPointsServer(srv, points{fakeQdrant: f})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return f, lis.Addr().String()
}

func (f *fakeQdrant) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo,
	h grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.apiKeys = append(f.apiKeys, md.Get("api-key")...)
	f.calls = append(f.calls, info.FullMethod)
	f.mu.Unlock()
	return h(ctx, req)
}

func (f *fakeQdrant) coll(name string) (*fakeColl, error) {
	c, ok := f.colls[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Collection `%s` doesn't exist!", name)
	}
	return c, nil
}

func (c collections) CollectionExists(_ context.Context,
	req *qc.CollectionExistsRequest) (*qc.CollectionExistsResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.colls[req.GetCollectionName()]
	return &qc.CollectionExistsResponse{Result: &qc.CollectionExists{Exists: ok}}, nil
}

func (c collections) Create(_ context.Context,
	req *qc.CreateCollection) (*qc.CollectionOperationResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := req.GetCollectionName()
	if _, ok := c.colls[name]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "collection %s exists", name)
	}
	params := req.GetVectorsConfig().GetParams()
	if params == nil || params.GetSize() == 0 {
		return nil, status.Error(codes.InvalidArgument, "want one unnamed dense vector")
	}
	c.creates = append(c.creates, req)
	c.colls[name] = &fakeColl{dims: int(params.GetSize()), dist: params.GetDistance(),
		points: map[string]fakePoint{}}
	return &qc.CollectionOperationResponse{Result: true}, nil
}

func (c collections) Get(_ context.Context,
	req *qc.GetCollectionInfoRequest) (*qc.GetCollectionInfoResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	coll, err := c.coll(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	vc := qc.NewVectorsConfig(&qc.VectorParams{Size: uint64(coll.dims), Distance: coll.dist})
	return &qc.GetCollectionInfoResponse{Result: &qc.CollectionInfo{
		Status: qc.CollectionStatus_Green,
		Config: &qc.CollectionConfig{Params: &qc.CollectionParams{VectorsConfig: vc}},
	}}, nil
}

func (p points) CreateFieldIndex(_ context.Context,
	req *qc.CreateFieldIndexCollection) (*qc.PointsOperationResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.coll(req.GetCollectionName()); err != nil {
		return nil, err
	}
	if req.GetFieldType() != qc.FieldType_FieldTypeKeyword {
		return nil, status.Error(codes.Unimplemented, "fake indexes keywords only")
	}
	p.indexed = append(p.indexed, req.GetFieldName())
	return completed(), nil
}

func completed() *qc.PointsOperationResponse {
	return &qc.PointsOperationResponse{Result: &qc.UpdateResult{
		Status: qc.UpdateStatus_Completed,
	}}
}

func (p points) Upsert(_ context.Context,
	req *qc.UpsertPoints) (*qc.PointsOperationResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	coll, err := p.coll(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	p.waits = append(p.waits, req.GetWait())
	for _, pt := range req.GetPoints() {
		uuid := pt.GetId().GetUuid()
		vec := pt.GetVectors().GetVector().GetDense().GetData()
		if uuid == "" || len(vec) != coll.dims {
			return nil, status.Errorf(codes.InvalidArgument,
				"point %q: %d values, want %d", uuid, len(vec), coll.dims)
		}
		coll.points[uuid] = fakePoint{vec: normalize(vec), payload: pt.GetPayload()}
	}
	return completed(), nil
}

func (p points) Delete(_ context.Context,
	req *qc.DeletePoints) (*qc.PointsOperationResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	coll, err := p.coll(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	sel := req.GetPoints().GetPoints()
	if sel == nil {
		return nil, status.Error(codes.Unimplemented, "fake deletes by id only")
	}
	p.waits = append(p.waits, req.GetWait())
	for _, id := range sel.GetIds() {
		delete(coll.points, id.GetUuid())
	}
	return completed(), nil
}

func (p points) Count(_ context.Context, req *qc.CountPoints) (*qc.CountResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	coll, err := p.coll(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if req.GetFilter() != nil {
		return nil, status.Error(codes.Unimplemented, "fake counts without filter only")
	}
	return &qc.CountResponse{Result: &qc.CountResult{Count: uint64(len(coll.points))}}, nil
}

func (p points) Query(_ context.Context, req *qc.QueryPoints) (*qc.QueryResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	coll, err := p.coll(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	q := req.GetQuery().GetNearest().GetDense().GetData()
	if len(q) != coll.dims {
		return nil, status.Errorf(codes.InvalidArgument, "query of %d values, want %d",
			len(q), coll.dims)
	}
	q = normalize(q)

	var res []*qc.ScoredPoint
	for uuid, pt := range coll.points {
		ok, err := passes(req.GetFilter(), pt.payload)
		if err != nil {
			return nil, err
		}
		if ok {
			res = append(res, scored(uuid, pt, dot(q, pt.vec), req))
		}
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Score > res[j].Score })
	limit := int(req.GetLimit())
	if req.Limit == nil {
		limit = 10 // Qdrant's default
	}
	return &qc.QueryResponse{Result: res[:min(limit, len(res))]}, nil
}

func scored(uuid string, pt fakePoint, score float32, req *qc.QueryPoints) *qc.ScoredPoint {
	sp := &qc.ScoredPoint{Id: qc.NewIDUUID(uuid), Score: score}
	if req.GetWithPayload().GetEnable() {
		sp.Payload = pt.payload
	}
	if req.GetWithVectors().GetEnable() {
		sp.Vectors = &qc.VectorsOutput{VectorsOptions: &qc.VectorsOutput_Vector{
			Vector: &qc.VectorOutput{Vector: &qc.VectorOutput_Dense{
				Dense: &qc.DenseVector{Data: slices.Clone(pt.vec)},
			}},
		}}
	}
	return sp
}

// passes evaluates the must-conditions the store sends: keyword matches on a
// string or a list of strings.
func passes(f *qc.Filter, payload map[string]*qc.Value) (bool, error) {
	if len(f.GetShould()) > 0 || len(f.GetMustNot()) > 0 {
		return false, status.Error(codes.Unimplemented, "fake filters with must only")
	}
	for _, c := range f.GetMust() {
		fc := c.GetField()
		if fc == nil || fc.GetMatch() == nil {
			return false, status.Error(codes.Unimplemented, "fake matches fields only")
		}
		want := fc.GetMatch().GetKeywords().GetStrings()
		if kw := fc.GetMatch().GetKeyword(); kw != "" {
			want = []string{kw}
		}
		if !anyIn(payload[fc.GetKey()], want) {
			return false, nil
		}
	}
	return true, nil
}

func anyIn(v *qc.Value, want []string) bool {
	vals := []*qc.Value{v}
	if l := v.GetListValue(); l != nil {
		vals = l.GetValues()
	}
	for _, e := range vals {
		if slices.Contains(want, e.GetStringValue()) {
			return true
		}
	}
	return false
}

func normalize(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if sum == 0 {
		return out
	}
	n := math.Sqrt(sum)
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out
}

func dot(a, b []float32) float32 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return float32(s)
}
