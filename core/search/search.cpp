#include "search/search.h"

#include "codegen/generator.h"
#include "model/tflite_import.h"
#include "pipeline/pipeline.h"
#include "search/evaluator_hook.h"

#include <QDir>
#include <QJsonArray>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace ts {

namespace {

double secondsSince(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string widthText(double w)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", w);
    return buf;
}

CandidateFigures evaluateArchitecture(const SearchSpace& space, const Architecture& a, const Board& board,
                                      const BoardSet& boards, const EvalOptions& eval)
{
    const Model m = buildCandidateModel(space, a, false);
    return evaluateCandidate(m, board, boards, eval);
}

} // namespace

// ---------------------------------------------------------------- zoo

Result<std::vector<ZooEntry>> rankZoo(const std::string& dir, const Board& board, const BoardSet& boards,
                                      const EvalOptions& options, const JobControl* job)
{
    Result<std::vector<ZooEntry>> r;
    const QDir d(QString::fromStdString(dir));
    if (!d.exists()) {
        r.diagnostics.push_back(makeError(dir, "", "the zoo folder does not exist"));
        return r;
    }
    const QStringList files = d.entryList({"*.tflite"}, QDir::Files | QDir::Readable, QDir::Name);
    if (files.isEmpty()) {
        r.diagnostics.push_back(makeError(dir, "", "holds no .tflite file"));
        return r;
    }
    std::vector<ZooEntry> out;
    for (int i = 0; i < files.size(); ++i) {
        if (job && !job->progress(i, files.size(), files[i].toStdString())) {
            r.diagnostics.push_back(makeError(dir, "zoo", kCancelledMessage));
            return r;
        }
        ZooEntry e;
        e.path = d.filePath(files[i]).toStdString();
        e.name = files[i].toStdString();
        auto m = importTfliteFile(e.path);
        if (!m.ok()) {
            e.error = "cannot import: " + firstError(m.diagnostics);
        } else {
            e.figures = evaluateCandidate(*m, board, boards, options);
            if (!e.figures.ok()) {
                e.error = "cannot run: " + e.figures.error;
            } else {
                // Whether it can run is the code generator's answer for the document of these
                // figures (an op without a kernel, a dtype a kernel does not take, ...).
                auto p = runPipeline(*m, candidateSession(*m, board.id, e.figures, options), boards);
                if (!p.ok()) {
                    e.error = "cannot run: " + firstError(p.diagnostics);
                } else {
                    auto g = generateProject(*m, **p);
                    if (!g.ok())
                        e.error = "cannot run: " + firstError(g.diagnostics);
                }
            }
        }
        out.push_back(std::move(e));
    }
    std::stable_sort(out.begin(), out.end(), [](const ZooEntry& a, const ZooEntry& b) {
        const bool ra = a.error.empty(), rb = b.error.empty();
        if (ra != rb)
            return ra;
        if (!ra)
            return false;
        const CandidateFigures &x = a.figures, &y = b.figures;
        if (x.fits != y.fits)
            return x.fits;
        if (x.peakBytes != y.peakBytes)
            return x.peakBytes < y.peakBytes;
        if (x.flashBytes != y.flashBytes)
            return x.flashBytes < y.flashBytes;
        if (x.macs != y.macs)
            return x.macs > y.macs;
        return x.latency < y.latency;
    });
    if (job)
        job->progress(files.size(), files.size(), "done");
    r.value = std::move(out);
    return r;
}

QJsonObject zooEntryToJson(const ZooEntry& e)
{
    QJsonObject o = figuresToJson(e.figures);
    o["model"] = QString::fromStdString(e.name);
    o["path"] = QString::fromStdString(e.path);
    o["runs"] = e.error.empty();
    if (!e.error.empty()) {
        o["error"] = QString::fromStdString(e.error);
        o["fits"] = false;
    }
    return o;
}

// ---------------------------------------------------------------- space optimization

Result<SpaceOptResult> optimizeSearchSpace(const SearchSpace& space, const Board& board, const BoardSet& boards,
                                           const SpaceOptOptions& options, const JobControl* job)
{
    Result<SpaceOptResult> r;
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<int> resolutions = options.resolutions.empty() ? space.resolutions : options.resolutions;
    const std::vector<double> widths = options.widths.empty() ? space.widths : options.widths;
    SpaceOptResult out;
    const int64_t total = int64_t(resolutions.size() * widths.size()) * options.samplesPerPair;
    for (double w : widths)
        for (int res : resolutions) {
            SpacePair p;
            p.resolution = res;
            p.width = w;
            // One generator per pair, seeded from the pair: the same samples whatever else is run.
            SearchRng rng(options.seed * 1000003ull + uint64_t(res) * 131ull + uint64_t(std::llround(w * 1000)));
            for (int k = 0; k < options.samplesPerPair; ++k) {
                if (job && (k % 16) == 0 &&
                    !job->progress(out.evaluated, total, "width " + widthText(w) + ", " + std::to_string(res) + "²")) {
                    r.diagnostics.push_back(makeError("", "search space", kCancelledMessage));
                    return r;
                }
                const Architecture a = sampleArchitecture(space, res, w, rng);
                const CandidateFigures f = evaluateArchitecture(space, a, board, boards, options.eval);
                ++out.evaluated;
                ++p.samples;
                if (f.ok() && f.fits)
                    p.fittingMacs.push_back(f.macs);
            }
            std::sort(p.fittingMacs.begin(), p.fittingMacs.end());
            p.fitting = int(p.fittingMacs.size());
            if (p.fitting > 0)
                p.meanMacs = std::accumulate(p.fittingMacs.begin(), p.fittingMacs.end(), 0.0) / p.fitting;
            out.pairs.push_back(std::move(p));
        }
    for (size_t i = 0; i < out.pairs.size(); ++i) {
        const SpacePair& p = out.pairs[i];
        if (p.fitting == 0 || p.fitFraction() < options.minFitFraction)
            continue;
        if (out.recommended < 0 || p.meanMacs > out.pairs[size_t(out.recommended)].meanMacs)
            out.recommended = int(i);
    }
    out.seconds = secondsSince(t0);
    r.value = std::move(out);
    return r;
}

QJsonObject spaceOptToJson(const SpaceOptResult& r, bool withCdf)
{
    QJsonArray pairs;
    for (const SpacePair& p : r.pairs) {
        QJsonObject o{{"resolution", p.resolution},
                      {"width", p.width},
                      {"samples", p.samples},
                      {"fitting", p.fitting},
                      {"mean_macs", p.meanMacs},
                      {"median_macs", p.fitting ? qint64(p.fittingMacs[size_t(p.fitting / 2)]) : 0}};
        if (withCdf) {
            QJsonArray macs;
            for (int64_t m : p.fittingMacs)
                macs.append(qint64(m));
            o["fitting_macs"] = macs;
        }
        pairs.append(o);
    }
    QJsonObject o{{"pairs", pairs}, {"evaluated", qint64(r.evaluated)}, {"seconds", r.seconds}};
    if (r.recommended >= 0)
        o["recommended"] = QJsonObject{{"resolution", r.pairs[size_t(r.recommended)].resolution},
                                       {"width", r.pairs[size_t(r.recommended)].width},
                                       {"mean_macs", r.pairs[size_t(r.recommended)].meanMacs}};
    else
        o["recommended"] = QJsonValue(QJsonValue::Null);
    return o;
}

// ---------------------------------------------------------------- evolution

std::vector<int> paretoFront(const std::vector<std::pair<double, double>>& points)
{
    std::vector<int> idx(points.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](int a, int b) {
        if (points[size_t(a)].first != points[size_t(b)].first)
            return points[size_t(a)].first < points[size_t(b)].first;
        if (points[size_t(a)].second != points[size_t(b)].second)
            return points[size_t(a)].second > points[size_t(b)].second;
        return a < b;
    });
    std::vector<int> front;
    double best = -std::numeric_limits<double>::infinity();
    for (int i : idx)
        if (points[size_t(i)].second > best) {
            best = points[size_t(i)].second;
            front.push_back(i);
        }
    return front;
}

QJsonObject candidateToJson(const Candidate& c)
{
    QJsonObject o = figuresToJson(c.figures);
    o["architecture"] = architectureToJson(c.arch);
    o["generation"] = c.generation;
    o["score"] = c.scored ? QJsonValue(c.score) : QJsonValue(QJsonValue::Null);
    if (c.accuracy >= 0)
        o["accuracy"] = c.accuracy;
    if (!c.evaluatorError.empty())
        o["evaluator_error"] = QString::fromStdString(c.evaluatorError);
    return o;
}

Result<EvolutionResult> runEvolution(const SearchSpace& space, const Board& board, const BoardSet& boards,
                                     const EvolutionOptions& options, const JobControl* job,
                                     const std::function<void(const EvolutionResult&)>& onGeneration)
{
    Result<EvolutionResult> r;
    const auto t0 = std::chrono::steady_clock::now();
    const int res = options.resolution > 0 ? options.resolution
                                           : *std::max_element(space.resolutions.begin(), space.resolutions.end());
    const double width = options.width > 0 ? options.width : *std::max_element(space.widths.begin(), space.widths.end());
    if (options.population < 4 || options.generations < 1) {
        r.diagnostics.push_back(makeError("", "population", "expected a population of at least 4 and at least 1 generation"));
        return r;
    }
    const bool hook = !options.evaluator.empty();
    std::unique_ptr<QTemporaryDir> tmp;
    std::string workDir = options.workDir;
    if (hook && workDir.empty()) {
        tmp = std::make_unique<QTemporaryDir>();
        if (!tmp->isValid()) {
            r.diagnostics.push_back(makeError("", "evaluator", "cannot create a temporary folder for the evaluator's files"));
            return r;
        }
        workDir = tmp->path().toStdString();
    }

    EvolutionResult out;
    out.scoreName = hook ? "accuracy (evaluator)" : "MACs (proxy for accuracy)";
    SearchRng rng(options.seed);
    const int parents = std::max(2, int(std::lround(options.population * options.parentRatio)));
    const int maxTries = 50;
    std::unordered_map<std::string, int> seen; // architecture key → index in out.candidates

    // The candidate of `a`: evaluated the first time it is drawn (and then, without the hook, scored
    // by its MACs); every draw, feasible or not, stays on record (the scatter shows them all).
    auto record = [&](const Architecture& a, int generation) -> int {
        const std::string key = a.key();
        if (const auto it = seen.find(key); it != seen.end())
            return it->second;
        Candidate c;
        c.arch = a;
        c.generation = generation;
        c.figures = evaluateArchitecture(space, a, board, boards, options.eval);
        if (c.figures.ok() && c.figures.fits && !hook) {
            c.score = double(c.figures.macs);
            c.scored = true;
        }
        const int i = int(out.candidates.size());
        out.candidates.push_back(std::move(c));
        seen.emplace(key, i);
        return i;
    };
    // With the hook: the user's command scores the feasible candidates among `idx` it has not run on
    // yet, in parallel.
    auto scoreWithHook = [&](const std::vector<int>& idx) {
        std::vector<int> which;
        for (int i : idx) {
            const Candidate& c = out.candidates[size_t(i)];
            if (c.figures.fits && !c.scored && c.evaluatorError.empty() &&
                std::find(which.begin(), which.end(), i) == which.end())
                which.push_back(i);
        }
        std::vector<Model> models;
        models.reserve(which.size());
        for (int i : which)
            models.push_back(buildCandidateModel(space, out.candidates[size_t(i)].arch, true));
        std::vector<HookInput> inputs;
        for (size_t k = 0; k < which.size(); ++k)
            inputs.push_back({architectureToJson(out.candidates[size_t(which[k])].arch), &models[k],
                              "candidate_" + std::to_string(which[k])});
        const auto results = runEvaluatorHook(options.evaluator, inputs, workDir, options.evaluatorProcesses,
                                              options.evaluatorTimeoutMs, job);
        for (size_t k = 0; k < which.size(); ++k) {
            Candidate& c = out.candidates[size_t(which[k])];
            if (results[k].ok) {
                c.accuracy = results[k].accuracy;
                c.score = results[k].accuracy;
                c.scored = true;
            } else {
                c.evaluatorError = results[k].error;
            }
        }
    };
    // `count` candidates drawn with `make`, each redrawn (up to maxTries draws) until it fits.
    auto feasibleBatch = [&](int count, int generation, const std::function<Architecture()>& make) {
        std::vector<int> idx;
        for (int k = 0; k < count; ++k) {
            int i = record(make(), generation);
            for (int t = 1; t < maxTries && !out.candidates[size_t(i)].figures.fits; ++t)
                i = record(make(), generation);
            idx.push_back(i);
        }
        if (hook)
            scoreWithHook(idx);
        return idx;
    };
    auto cancelled = [&](int g) {
        return job && !job->progress(g, options.generations, "generation " + std::to_string(g + 1) + " of " +
                                                                 std::to_string(options.generations));
    };
    auto rank = [&](std::vector<int> pop) {
        std::sort(pop.begin(), pop.end());
        pop.erase(std::unique(pop.begin(), pop.end()), pop.end());
        std::stable_sort(pop.begin(), pop.end(), [&](int a, int b) {
            const Candidate &x = out.candidates[size_t(a)], &y = out.candidates[size_t(b)];
            if (x.scored != y.scored)
                return x.scored;
            if (x.score != y.score)
                return x.score > y.score;
            return x.figures.peakBytes < y.figures.peakBytes;
        });
        return pop;
    };
    auto summarize = [&]() {
        std::vector<int> scored;
        for (size_t i = 0; i < out.candidates.size(); ++i)
            if (out.candidates[i].scored)
                scored.push_back(int(i));
        scored = rank(scored);
        if (scored.size() > size_t(options.keep))
            scored.resize(size_t(options.keep));
        out.best = scored;
        std::vector<std::pair<double, double>> pts;
        std::vector<int> ids;
        for (size_t i = 0; i < out.candidates.size(); ++i)
            if (out.candidates[i].scored) {
                pts.push_back({double(out.candidates[i].figures.peakBytes), out.candidates[i].score});
                ids.push_back(int(i));
            }
        out.pareto.clear();
        for (int k : paretoFront(pts))
            out.pareto.push_back(ids[size_t(k)]);
        out.seconds = secondsSince(t0);
    };

    if (cancelled(0)) {
        r.diagnostics.push_back(makeError("", "evolution", kCancelledMessage));
        return r;
    }
    std::vector<int> population = feasibleBatch(options.population, 0, [&] { return sampleArchitecture(space, res, width, rng); });
    for (int g = 1; g <= options.generations; ++g) {
        if (cancelled(g - 1)) {
            r.diagnostics.push_back(makeError("", "evolution", kCancelledMessage));
            return r;
        }
        const std::vector<int> ranked = rank(population);
        std::vector<int> top(ranked.begin(), ranked.begin() + std::min<long>(parents, long(ranked.size())));
        if (top.empty())
            break;
        const int children = options.population - int(top.size());
        const int mutations = int(std::lround(children * options.mutationRatio));
        auto pickTop = [&]() -> const Architecture& { return out.candidates[size_t(top[size_t(rng() % top.size())])].arch; };
        std::vector<int> next = top;
        auto m = feasibleBatch(mutations, g, [&] { return mutateArchitecture(space, pickTop(), options.mutationProb, rng); });
        next.insert(next.end(), m.begin(), m.end());
        auto c = feasibleBatch(children - mutations, g, [&] {
            const Architecture& a = pickTop();
            const Architecture& b = pickTop();
            return crossoverArchitectures(a, b, rng);
        });
        next.insert(next.end(), c.begin(), c.end());
        population = next;
        out.generations = g;
        summarize();
        if (onGeneration)
            onGeneration(out);
    }
    summarize();
    if (job)
        job->progress(options.generations, options.generations, "done");
    r.value = std::move(out);
    return r;
}

} // namespace ts
