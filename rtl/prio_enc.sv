// Lowest-index priority encoder: valid_o when any req_i bit is set, and
// index_o = the lowest set bit (0 when none is set).
//
// Written for a word-wise simulator as much as for synthesis: the request
// is cut into chunks of at most 64 bits, the lowest non-zero chunk is found
// first and the lowest bit inside it by a binary search, so Verilator does
// Width/64 word tests and six shifts instead of Width single-bit tests.
// Synthesis sees the same function (a chunk-select mux and a log-depth
// search), which is also the usual shape of a wide TCAM priority encoder.
`default_nettype none

module prio_enc #(
  parameter int Width = 16,
  localparam int IndexWidth = (Width > 1) ? $clog2(Width) : 1
) (
  input  logic [Width-1:0]      req_i,
  output logic                  valid_o,
  output logic [IndexWidth-1:0] index_o
);
  // Chunks are a power of two wide so that the binary search halves evenly.
  localparam int ChunkWidth = (Width >= 64) ? 64 : (1 << $clog2(Width));
  localparam int ChunkIdxWidth = (ChunkWidth > 1) ? $clog2(ChunkWidth) : 1;
  localparam int NumChunks = (Width + ChunkWidth - 1) / ChunkWidth;
  localparam int PadWidth = NumChunks * ChunkWidth;

  if (Width < 2) begin : gen_bad_width
    $fatal(1, "prio_enc: Width must be at least 2, got %0d", Width);
  end

  logic [PadWidth-1:0]   req_pad;
  logic [ChunkWidth-1:0] chunk;
  int unsigned           chunk_idx;
  int unsigned           bit_idx;
  logic                  any;

  assign req_pad = PadWidth'(req_i);

  always_comb begin
    any = 1'b0;
    chunk_idx = 0;
    chunk = '0;
    // Highest chunk first so that the lowest non-zero one is kept last.
    for (int c = NumChunks - 1; c >= 0; c--) begin
      if (req_pad[c * ChunkWidth +: ChunkWidth] != '0) begin
        any = 1'b1;
        chunk_idx = c;
        chunk = req_pad[c * ChunkWidth +: ChunkWidth];
      end
    end
    // Binary search: if the low half is empty the answer is in the high one.
    bit_idx = 0;
    for (int l = ChunkIdxWidth - 1; l >= 0; l--) begin
      if ((chunk << (ChunkWidth - (1 << l))) == '0) begin
        chunk = chunk >> (1 << l);
        bit_idx = bit_idx + (1 << l);
      end
    end
  end

  assign valid_o = any;
  assign index_o = any ? IndexWidth'(chunk_idx * ChunkWidth + bit_idx) : '0;

endmodule

`default_nettype wire
