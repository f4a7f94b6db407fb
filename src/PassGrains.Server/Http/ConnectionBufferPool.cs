using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;

namespace PassGrains.Server.Http;

/// <summary>
/// The memory Kestrel reads requests into and queues responses in, in pinned blocks of
/// <see cref="ConnectionBufferOptions.BlockKilobytes"/> rather than its own pool's 4 KB. A pass is mostly images
/// (event.pass is 743 KB): with 4 KB blocks one download rents, fills, sends and returns 182 of them, and that per-block
/// work was a fifth of a kept download's CPU. Up to <see cref="ConnectionBufferOptions.RetainedMegabytes"/> of returned
/// blocks are kept for the next response and the rest are left to the GC: a herd's downloads reuse warm blocks instead
/// of faulting in fresh pages, and what the pool holds when idle is bounded, without a timer (docs/benchmarks.md,
/// "Connection buffers"). A request that has not fully arrived holds one block (docs/security.md).
/// </summary>
/// <remarks>
/// One pool serves every listener Kestrel creates from <see cref="Factory"/>; blocks are managed arrays, so disposing a
/// listener's pool has nothing to release, and the shared store stays usable for the listeners still running.
/// </remarks>
public sealed class ConnectionBufferPool : MemoryPool<byte>
{
    private readonly ConcurrentQueue<Block> _free = new();
    private readonly int _maxFree;
    private int _freeCount;
    // Counted only where a block is made or let go, never per rent or return: what is lent out follows from them.
    private long _allocated;
    private long _released;

    /// <param name="meters">Where the pool publishes what it holds (on the <c>PassGrains</c> meter); null: nowhere.</param>
    public ConnectionBufferPool(ConnectionBufferOptions options, IMeterFactory? meters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        BlockSize = options.BlockKilobytes * 1024;
        _maxFree = (int)(options.RetainedMegabytes * 1024L * 1024 / BlockSize);
        if (meters is not null)
            Publish(meters.Create(Telemetry.PassGrainsMetrics.MeterName));
    }

    public int BlockSize { get; }

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks returned and kept for reuse now.</summary>
    public int RetainedBlocks => Volatile.Read(ref _freeCount);

    /// <summary>Blocks lent to connections and not yet returned: requests arriving, answers not yet sent.</summary>
    public long InUseBlocks => Math.Max(0, Interlocked.Read(ref _allocated) - Interlocked.Read(ref _released) - RetainedBlocks);

    /// <summary>Blocks allocated since the start; growing while <see cref="InUseBlocks"/> does not, the pool keeps too few.</summary>
    public long AllocatedBlocks => Interlocked.Read(ref _allocated);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            return block;
        }
        Interlocked.Increment(ref _allocated);
        return new Block(this);
    }

    private void Publish(Meter meter)
    {
        meter.CreateObservableUpDownCounter("passgrains.connection_buffers.in_use", () => InUseBlocks * BlockSize, unit: "By",
            description: "Memory of the connection buffers lent out now: requests still arriving and answers queued for their sockets");
        meter.CreateObservableUpDownCounter("passgrains.connection_buffers.retained", () => (long)RetainedBlocks * BlockSize, unit: "By",
            description: "Memory of returned connection buffers kept for the next requests (at most PassGrains:ConnectionBuffers:RetainedMegabytes)");
        meter.CreateObservableCounter("passgrains.connection_buffers.allocated", () => AllocatedBlocks * BlockSize, unit: "By",
            description: "Memory of connection buffers allocated since the start: rising while in_use is flat means the pool keeps too few");
    }

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _freeCount) > _maxFree)
        {
            Interlocked.Decrement(ref _freeCount);
            Interlocked.Increment(ref _released);
            return; // beyond what the pool keeps: the GC takes it
        }
        _free.Enqueue(block);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(ConnectionBufferPool pool) : IMemoryOwner<byte>
    {
        // Pinned once for its life: the socket sends and receives from it without a GCHandle per operation.
        public Memory<byte> Memory { get; } = MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(pool.BlockSize, pinned: true), 0, pool.BlockSize);

        public void Dispose() => pool.Return(this);
    }

    /// <summary>What Kestrel's transports ask for their pools (ASP.NET Core 10's <see cref="IMemoryPoolFactory{T}"/>): the one pool.</summary>
    public sealed class Factory(ConnectionBufferPool pool) : IMemoryPoolFactory<byte>
    {
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => pool;
    }
}
