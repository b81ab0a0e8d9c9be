package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductor-sec/conductor/internal/config"
)

func TestCollectionName(t *testing.T) {
	for _, tt := range []struct{ embedder, want string }{
		{"local-hash-v1-384", "cases-local-hash-v1-384"},
		{"openai-text-embedding-3-small-1536", "cases-openai-text-embedding-3-small-1536"},
		{"openai-BAAI/bge-m3:latest-1024", "cases-openai-baai-bge-m3-latest-1024"},
	} {
		if got := collectionName(tt.embedder); got != tt.want {
			t.Errorf("collectionName(%q) = %q, want %q", tt.embedder, got, tt.want)
		}
	}
}

func TestOpenMemory(t *testing.T) {
	tests := []struct {
		name    string
		mem     config.Memory
		wantErr string
		wantMem bool
	}{
		{"default", config.Memory{}, "", true},
		{"disabled", config.Memory{Disabled: true}, "", false},
		{"unknown backend", config.Memory{Backend: "pinecone"}, `backend "pinecone"`, false},
		{"unknown embedder", config.Memory{Embedder: "bert"}, `embedder "bert"`, false},
		{"openai without dimensions", config.Memory{Embedder: "openai",
			OpenAI: config.MemoryOpenAI{BaseURL: "http://127.0.0.1:1/v1", Model: "m"}},
			"Dimensions is required", false},
		{"qdrant key variable empty", config.Memory{Backend: "qdrant",
			QdrantAPIKeyEnv: "CONDUCTOR_TEST_UNSET_QDRANT_KEY"}, "unset or empty", false},
		{"openai key variable empty", config.Memory{Embedder: "openai", Dimensions: 4,
			OpenAI: config.MemoryOpenAI{BaseURL: "http://127.0.0.1:1/v1", Model: "m",
				APIKeyEnv: "CONDUCTOR_TEST_UNSET_EMBED_KEY"}},
			"CONDUCTOR_TEST_UNSET_EMBED_KEY, named by memory.openai.api_key_env, is unset or empty",
			false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Config{DB: filepath.Join(t.TempDir(), "c.db"), Memory: tt.mem}
			a, err := Open(context.Background(), cfg, Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open() = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open() = %v", err)
			}
			defer a.Close()
			if (a.Memory != nil) != tt.wantMem {
				t.Errorf("App.Memory set = %v, want %v", a.Memory != nil, tt.wantMem)
			}
			if tt.wantMem && a.Memory.Embedder().Name() != "local-hash-v1-384" {
				t.Errorf("embedder = %s, want local-hash-v1-384", a.Memory.Embedder().Name())
			}
		})
	}
}
