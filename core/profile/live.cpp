#include "profile/live.h"

#include "analysis/opfacts.h"
#include "boards/board.h"
#include "probe/pluginmanager.h"
#include "reference/interpreter.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace ts {

namespace {

// Word offsets of the mailbox (the struct in the live firmware's main.c, build/firmware.cpp).
enum : int {
    wMagic = 0, wVersion, wSize, wSequence, wStatus, wError, wUnit, wPerTick, wInferences, wLast, wMin, wMax,
    wStackPeak, wOutputCrc, wOutputBytes, wLayerCount, wLayerRuns, wFault, wOutputCount = wFault + 7, wOutputAddr, wOutputSize = wOutputAddr + 4,
    wRing = wOutputSize + 4,
    wLayers = wRing + kMailboxRingEntries
};

uint32_t word(const std::vector<uint8_t>& b, int w)
{
    uint32_t v = 0;
    std::memcpy(&v, b.data() + size_t(w) * 4, 4);
    return v;
}

LiveEvent event(LiveEvent::Kind kind, std::string text = {})
{
    LiveEvent e;
    e.kind = kind;
    e.text = std::move(text);
    return e;
}

std::string hex32(uint32_t v)
{
    char b[16];
    std::snprintf(b, sizeof b, "0x%08X", v);
    return b;
}

} // namespace

uint32_t mailboxBytes(int layers) { return uint32_t(wLayers + std::max(0, layers)) * 4u + uint32_t(kMailboxOutputCopyBytes); }

uint32_t crc32(const uint8_t* p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

std::string MailboxSnapshot::faultText() const
{
    static const char* const names[] = {"", "", "NMI", "HardFault", "MemManage", "BusFault", "UsageFault"};
    const uint32_t exc = fault[0], cfsr = fault[3], hfsr = fault[4];
    std::string t = std::string(exc < 7 && exc >= 2 ? names[exc] : "exception " + std::to_string(exc)) + " at pc=" + hex32(fault[1])
                    + " lr=" + hex32(fault[2]) + " cfsr=" + hex32(cfsr) + " hfsr=" + hex32(hfsr);
    std::vector<std::string> why;
    if (hfsr & (1u << 30)) why.push_back("escalated to HardFault (FORCED)");
    if (hfsr & (1u << 1)) why.push_back("vector table read fault");
    if (cfsr & (1u << 0)) why.push_back("instruction access violation (IACCVIOL)");
    if (cfsr & (1u << 1)) why.push_back("data access violation (DACCVIOL) at " + hex32(fault[5]));
    if (cfsr & (1u << 8)) why.push_back("instruction bus error (IBUSERR)");
    if (cfsr & (1u << 9)) why.push_back("precise data bus error at " + hex32(fault[6]));
    if (cfsr & (1u << 10)) why.push_back("imprecise data bus error");
    if (cfsr & (1u << 12)) why.push_back("stacking error (stack overflow?)");
    if (cfsr & (1u << 16)) why.push_back("undefined instruction (UNDEFINSTR)");
    if (cfsr & (1u << 17)) why.push_back("invalid state (INVSTATE: Thumb bit clear)");
    if (cfsr & (1u << 18)) why.push_back("invalid PC load (INVPC)");
    if (cfsr & (1u << 19)) why.push_back("no coprocessor (NOCP: FPU off?)");
    if (cfsr & (1u << 24)) why.push_back("unaligned access");
    if (cfsr & (1u << 25)) why.push_back("divide by zero");
    for (size_t i = 0; i < why.size(); ++i)
        t += (i ? "; " : ": ") + why[i];
    return t;
}

Result<MailboxSnapshot> decodeMailbox(const std::vector<uint8_t>& b, int layers, bool* torn)
{
    Result<MailboxSnapshot> r;
    if (torn)
        *torn = false;
    const uint32_t want = mailboxBytes(layers);
    if (b.size() < want) {
        r.diagnostics.push_back(makeError("", "mailbox", "read " + std::to_string(b.size()) + " bytes, expected " + std::to_string(want)));
        return r;
    }
    if (word(b, wMagic) != kMailboxMagicWord) {
        r.diagnostics.push_back(makeError("", "mailbox.magic", "found " + hex32(word(b, wMagic)) + ", expected " + hex32(kMailboxMagicWord)
                                                                   + " (the firmware has not started, or is not a live build)"));
        return r;
    }
    if (word(b, wVersion) != kMailboxLayoutVersion || word(b, wSize) != want || int(word(b, wLayerCount)) != layers) {
        r.diagnostics.push_back(makeError("", "mailbox.version",
                                          "layout " + std::to_string(word(b, wVersion)) + " of " + std::to_string(word(b, wSize)) + " bytes and "
                                              + std::to_string(word(b, wLayerCount)) + " layers; expected layout "
                                              + std::to_string(kMailboxLayoutVersion) + " of " + std::to_string(want) + " bytes and "
                                              + std::to_string(layers) + " layers (firmware and studio differ)"));
        return r;
    }
    MailboxSnapshot m;
    m.sequence = word(b, wSequence);
    if (torn)
        *torn = (m.sequence & 1u) != 0;
    m.status = MailboxStatus(std::min<uint32_t>(word(b, wStatus), 4u));
    m.error = int32_t(word(b, wError));
    m.unit = word(b, wUnit) == 0 ? "instructions" : "cycles";
    m.perTick = std::max<uint32_t>(1u, word(b, wPerTick));
    m.inferences = word(b, wInferences);
    m.last = int64_t(word(b, wLast)) * m.perTick;
    m.min = m.inferences ? int64_t(word(b, wMin)) * m.perTick : 0;
    m.max = int64_t(word(b, wMax)) * m.perTick;
    m.stackPeak = word(b, wStackPeak);
    m.outputCrc = word(b, wOutputCrc);
    m.outputBytes = word(b, wOutputBytes);
    m.layerRuns = word(b, wLayerRuns);
    for (int i = 0; i < 7; ++i)
        m.fault[i] = word(b, wFault + i);
    for (int i = 0; i < int(std::min<uint32_t>(4u, word(b, wOutputCount))); ++i)
        m.outputs.push_back({word(b, wOutputAddr + i), word(b, wOutputSize + i)});
    for (int i = 0; i < kMailboxRingEntries; ++i)
        m.ring.push_back(int64_t(word(b, wRing + i)) * m.perTick);
    for (int i = 0; i < layers; ++i)
        m.layers.push_back(int64_t(word(b, wLayers + i)) * m.perTick);
    const size_t out = size_t(wLayers + layers) * 4;
    m.output.assign(b.begin() + long(out), b.begin() + long(out) + long(std::min<int64_t>(m.outputBytes, kMailboxOutputCopyBytes)));
    r.value = std::move(m);
    return r;
}

namespace {

// Polls the firmware's mailbox every `periodMs` until it ends (done, invoke error or fault: the
// caller words the last two), the job is cancelled, or its sequence has not moved for `timeoutMs`.
// Every consistent (not torn) snapshot goes to `onSnapshot` first.
struct PollEnd {
    MailboxSnapshot last;
    bool have = false;      // at least one consistent snapshot was read
    bool cancelled = false;
};
Result<PollEnd> pollMailbox(ProbeSession& target, const ElfSymbol& mailbox, int layers, int periodMs, int timeoutMs,
                            const JobControl& job, const std::string& elf,
                            const std::function<void(const MailboxSnapshot&)>& onSnapshot)
{
    Result<PollEnd> r;
    PollEnd end;
    QElapsedTimer clock, sinceProgress;
    clock.start();
    sinceProgress.start();
    int64_t lastSequence = -1;
    for (;;) {
        if (job.cancelled()) {
            end.cancelled = true;
            break;
        }
        auto bytes = target.readMemory(mailbox.address, mailbox.size);
        if (!bytes.ok()) {
            r.diagnostics = bytes.diagnostics;
            return r;
        }
        bool torn = false;
        auto snap = decodeMailbox(*bytes, layers, &torn);
        if (snap.ok() && !torn) {
            end.last = *snap;
            end.have = true;
            if (int64_t(end.last.sequence) != lastSequence) {
                lastSequence = end.last.sequence;
                sinceProgress.restart();
            }
            if (onSnapshot)
                onSnapshot(end.last);
            if (end.last.status == MailboxStatus::Done || end.last.status == MailboxStatus::Error
                || end.last.status == MailboxStatus::Fault)
                break;
        } else if (!snap.ok() && clock.elapsed() > 5000 && !end.have) {
            r.diagnostics = snap.diagnostics;
            return r;
        }
        if (sinceProgress.elapsed() > timeoutMs) {
            r.diagnostics.push_back(makeError(elf, "target", "no new inference for " + std::to_string(timeoutMs / 1000)
                                                                 + " s: the firmware hangs or the core is stopped"));
            return r;
        }
        QThread::msleep(static_cast<unsigned long>(periodMs));
    }
    r.value = end;
    return r;
}

// After a live run whose output differs: the check firmware (every complete tensor's CRC-32 from
// the model's DEBUG dump hook, canaries on) runs one inference on the same probe; the first op in
// run order whose output differs from the reference interpreter's is named.
std::string locateDifference(const Model& model, const Session& doc, const BoardSet& boards, const Board& board, ProbeDriver* driver,
                             const LiveOptions& o, DeployOptions dopt, const LiveResult& lr, const std::vector<uint8_t>& input,
                             const JobControl& job)
{
    dopt.checkTensors = true;
    dopt.runs = 1;
    dopt.dir = lr.deploy.dir + "-check";
    auto built = buildFirmware(model, doc, boards, dopt);
    if (!built.ok())
        return "the check firmware did not build: " + firstError(built.diagnostics);
    const Graph& g = built->pipeline->legal().graph;
    const int layers = int(g.ops.size());
    auto image = loadFirmwareImage(built->build.elf);
    auto mailbox = findElfSymbol(built->build.elf, "ts_mailbox");
    auto crcs = findElfSymbol(built->build.elf, "ts_tensor_crc");
    auto seen = findElfSymbol(built->build.elf, "ts_tensor_seen");
    if (!image.ok() || !mailbox.ok() || !crcs.ok() || !seen.ok())
        return "the check firmware lacks its symbols";
    auto session = driver->open(o.serial, board);
    if (!session.ok())
        return firstError(session.diagnostics);
    std::unique_ptr<ProbeSession> target = std::move(*session);
    auto done = [&](const std::string& why) {
        target->close();
        return why;
    };
    if (Diagnostics d = target->flash(*image, {}); !d.empty())
        return done(firstError(d));
    if (hasErrors(target->reset()) || hasErrors(target->run()))
        return done("the check firmware did not start");
    auto polled = pollMailbox(*target, *mailbox, layers, 40, o.timeoutMs, job, built->build.elf, {});
    if (!polled.ok())
        return done(firstError(polled.diagnostics));
    if (polled->cancelled)
        return done(kCancelledMessage);
    const MailboxSnapshot& m = polled->last;
    if (m.status == MailboxStatus::Fault)
        return done("the check firmware faulted: " + m.faultText());
    if (m.status == MailboxStatus::Error)
        return done("the check firmware's arena canaries were overwritten by kernel call " + std::to_string(m.error)
                    + " (a kernel wrote outside its planned buffers)");
    auto crcBytes = target->readMemory(crcs->address, crcs->size);
    auto seenBytes = target->readMemory(seen->address, seen->size);
    target->close();
    if (!crcBytes.ok() || !seenBytes.ok())
        return "cannot read the check firmware's tensor CRCs";
    auto interp = ReferenceInterpreter::create(g);
    if (!interp.ok() || !interp->setInputsFromConcatenated(input).empty() || !interp->run().empty())
        return "the reference interpreter could not run the model";
    int checked = 0;
    for (int opIndex : built->pipeline->analysis.memory.order) {
        const Op& op = g.ops[size_t(opIndex)];
        for (int t : op.outputs) {
            if (t < 0 || size_t(t) >= seenBytes->size() || !(*seenBytes)[size_t(t)])
                continue;
            uint32_t got = 0;
            std::memcpy(&got, crcBytes->data() + size_t(t) * 4, 4);
            const auto& want = interp->tensorBytes(t);
            if (crc32(want.data(), want.size()) != got)
                return "first difference on the target at op #" + std::to_string(opIndex) + " " + opKindName(op.kind) + " (output tensor '"
                       + g.tensors[size_t(t)].name + "'); the " + std::to_string(checked) + " complete tensors before it match";
            ++checked;
        }
    }
    return "every complete tensor (" + std::to_string(checked) + ") matches on the check firmware: the difference is in the timed build only";
}

} // namespace

Result<LiveResult> runLive(const Model& model, const Session& doc, const BoardSet& boards, const LiveOptions& o,
                           PluginManager& plugins, const JobControl& job, const std::function<void(const LiveEvent&)>& onEvent)
{
    Result<LiveResult> out;
    auto post = [&](const LiveEvent& e) {
        if (onEvent)
            onEvent(e);
    };
    auto phase = [&](const std::string& p) { post(event(LiveEvent::Kind::Phase, p)); };
    auto fail = [&](const std::string& where, const std::string& what) {
        out.diagnostics.push_back(makeError("", where, what));
        return out;
    };
    const Board* board = boards.find(doc.boardId);
    if (!board)
        return fail("board", "unknown board '" + doc.boardId + "'; expected one of: " + boards.ids());
    ProbeDriver* driver = plugins.driver(o.probe);
    if (!driver) {
        std::string known;
        for (ProbeDriver* d : plugins.drivers())
            known += (known.empty() ? "" : ", ") + d->name();
        std::string why;
        for (const Diagnostic& d : plugins.diagnostics())
            why += "; " + d.message;
        return fail("probe", "no probe plugin '" + o.probe + "' (loaded: " + (known.empty() ? "none" : known) + ")" + why);
    }
    if (board->probe.type != o.probe)
        return fail("probe", "board '" + board->id + "' is programmed through '" + board->probe.type + "', not '" + o.probe + "'");

    // Fail fast, before a build: a probe whose target matches the board must be attached.
    {
        auto probes = driver->scan(boards);
        bool found = false;
        if (probes.ok())
            for (const ProbeInfo& p : *probes)
                if ((o.serial.empty() || p.serial == o.serial)
                    && std::find(p.boards.begin(), p.boards.end(), board->id) != p.boards.end())
                    found = true;
        if (!found) {
            std::string why;
            for (const Diagnostic& d : probes.diagnostics)
                why += (why.empty() ? "" : "; ") + d.message;
            return fail("probe", why.empty() ? "no " + o.probe + " probe " + (o.serial.empty() ? "" : "'" + o.serial + "' ")
                                                   + "with a target matching board '" + board->id + "' (" + board->mcu + ") is attached"
                                             : why);
        }
    }
    LiveResult lr;
    phase("generating");
    DeployOptions dopt = o.deploy;
    dopt.live = true;
    dopt.runs = std::max(0, o.inferences);
    dopt.job = &job;
    dopt.onLog = [&](const std::string& line) { post(event(LiveEvent::Kind::Log, line)); };
    phase("building");
    auto built = buildFirmware(model, doc, boards, dopt);
    if (!built.ok()) {
        if (job.cancelled()) {
            lr.cancelled = true;
            out.value = std::move(lr);
            return out;
        }
        out.diagnostics = built.diagnostics;
        return out;
    }
    lr.deploy = std::move(*built);
    const Graph& g = lr.deploy.pipeline->legal().graph;
    const int layerCount = int(g.ops.size());
    const std::vector<uint8_t> input = o.deploy.input.empty() ? goldenInput(g, 1) : o.deploy.input;

    auto image = loadFirmwareImage(lr.deploy.build.elf);
    if (!image.ok()) {
        out.diagnostics = image.diagnostics;
        return out;
    }
    auto mailbox = findElfSymbol(lr.deploy.build.elf, "ts_mailbox");
    if (!mailbox.ok()) {
        out.diagnostics = mailbox.diagnostics;
        return out;
    }
    if (mailbox->size != mailboxBytes(layerCount))
        return fail("mailbox", "the firmware's ts_mailbox has " + std::to_string(mailbox->size) + " bytes, expected "
                                   + std::to_string(mailboxBytes(layerCount)));

    auto session = driver->open(o.serial, *board);
    if (!session.ok()) {
        out.diagnostics = session.diagnostics;
        return out;
    }
    std::unique_ptr<ProbeSession> target = std::move(*session);
    lr.probe = target->info();
    {
        LiveEvent e = event(LiveEvent::Kind::Phase, "flashing");
        e.built = &lr.deploy;
        e.board = board;
        e.options = &dopt;
        e.serial = lr.probe.serial;
        e.unit = board->emulated() ? "instructions" : "cycles";
        post(e);
    }
    auto closeWith = [&](Diagnostics d) {
        target->close();
        out.diagnostics = std::move(d);
        return out;
    };
    if (Diagnostics d = target->flash(*image, [&](int64_t done, int64_t total, const std::string& what) {
            post(event(LiveEvent::Kind::Log, what + " " + std::to_string(done) + "/" + std::to_string(total) + " bytes"));
            return !job.cancelled();
        });
        !d.empty()) {
        if (job.cancelled()) {
            target->close();
            lr.cancelled = true;
            out.value = std::move(lr);
            return out;
        }
        return closeWith(d);
    }
    if (Diagnostics d = target->reset(); hasErrors(d))
        return closeWith(d);
    if (Diagnostics d = target->run(); hasErrors(d))
        return closeWith(d);

    phase("running");
    lr.clockHz = board->clockHz;
    QElapsedTimer clock;
    clock.start();
    int64_t seen = 0, seenLayerRuns = 0;
    const int periodMs = std::max(1, 1000 / std::clamp(o.pollHz, 1, 25));
    auto polled = pollMailbox(*target, *mailbox, layerCount, periodMs, o.timeoutMs, job, lr.deploy.build.elf,
                              [&](const MailboxSnapshot& last) {
        lr.unit = last.unit;
        if (last.inferences > seen) {
            LiveEvent e = event(LiveEvent::Kind::Samples);
            const double now = clock.elapsed() / 1000.0;
            for (int64_t k = std::max(seen, last.inferences - kMailboxRingEntries); k < last.inferences; ++k)
                e.samples.push_back(LiveSample{k, last.ring[size_t(k % kMailboxRingEntries)], now});
            seen = last.inferences;
            lr.samples.insert(lr.samples.end(), e.samples.begin(), e.samples.end());
            post(e);
        }
        if (last.layerRuns > seenLayerRuns) {
            seenLayerRuns = last.layerRuns;
            LiveEvent e = event(LiveEvent::Kind::Layers);
            for (int i = 0; i < layerCount; ++i) {
                const Op& op = g.ops[size_t(i)];
                const std::string name = op.outputs.empty() || op.outputs[0] < 0 ? std::string() : g.tensors[size_t(op.outputs[0])].name;
                e.layers.push_back(LiveLayer{i, opKindName(op.kind), name, last.layers[size_t(i)], computeOpFacts(g, op).macs});
            }
            lr.layers = e.layers;
            post(e);
            LiveEvent stack = event(LiveEvent::Kind::Stack);
            stack.stackPeak = last.stackPeak;
            post(stack);
        }
    });
    if (!polled.ok())
        return closeWith(polled.diagnostics);
    lr.cancelled = polled->cancelled;
    const MailboxSnapshot& last = polled->last;
    const bool have = polled->have;
    if (last.status == MailboxStatus::Fault)
        return closeWith({makeError(lr.deploy.build.elf, "target", "the firmware faulted: " + last.faultText())});
    if (last.status == MailboxStatus::Error)
        return closeWith({makeError(lr.deploy.build.elf, "target", "the model's invoke returned " + std::to_string(last.error))});
    // After the last inference nothing overwrites the outputs: read them whole from the target.
    if (have && last.status == MailboxStatus::Done) {
        for (const auto& [address, bytes] : last.outputs) {
            auto got = target->readMemory(address, bytes);
            if (!got.ok())
                return closeWith(got.diagnostics);
            lr.output.insert(lr.output.end(), got->begin(), got->end());
        }
    }
    target->close();
    lr.stackPeak = last.stackPeak;
    // The output check: the reference interpreter on the same legal graph and input.
    if (have && last.outputBytes > 0) {
        auto interp = ReferenceInterpreter::create(g);
        if (interp.ok() && interp->setInputsFromConcatenated(input).empty() && interp->run().empty()) {
            std::vector<uint8_t> expected;
            for (int t : g.outputs) {
                const auto& bytes = interp->tensorBytes(t);
                expected.insert(expected.end(), bytes.begin(), bytes.end());
            }
            const uint32_t crc = crc32(expected.data(), expected.size());
            const size_t copy = std::min<size_t>(expected.size(), size_t(kMailboxOutputCopyBytes));
            bool same = int64_t(expected.size()) == last.outputBytes && crc == last.outputCrc
                        && std::equal(expected.begin(), expected.begin() + long(copy), last.output.begin(), last.output.end());
            if (!lr.output.empty() && g.outputs.size() <= 4)
                same = same && lr.output == expected; // byte for byte where the whole output was read
            lr.outputMatches = same ? 1 : 0;
            char text[200];
            std::snprintf(text, sizeof text, "%s (%lld bytes, CRC-32 0x%08X; reference 0x%08X)",
                          same ? "output matches the reference interpreter byte for byte" : "output DIFFERS from the reference interpreter",
                          static_cast<long long>(last.outputBytes), last.outputCrc, crc);
            lr.outputCheck = text;
            if (!same && !job.cancelled()) {
                post(event(LiveEvent::Kind::Phase, "checking"));
                post(event(LiveEvent::Kind::Log, "the output differs: building a check firmware to find the first op that differs"));
                lr.outputCheck += "; " + locateDifference(model, doc, boards, *board, driver, o, dopt, lr, input, job);
            }
        } else {
            lr.outputCheck = "the reference interpreter could not run the model";
        }
    } else {
        lr.outputCheck = lr.cancelled ? "cancelled before an inference completed" : "no inference completed";
    }
    out.value = std::move(lr);
    return out;
}

} // namespace ts
