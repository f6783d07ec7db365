#pragma once
// Model search for a board (TinyNAS-style), every figure exact (search/evaluate.h):
//  - zoo ranking: every .tflite of a folder imported, scheduled for the board (whole tensors, and
//    the best patch schedule within the MAC cap when they do not fit) and ranked;
//  - search-space optimization: per (width, resolution) pair of a space, sample candidates, keep
//    those that fit SRAM and flash, and compare the distributions (CDF) of their MACs; recommend
//    the pair whose fitting candidates have the highest mean MACs (MCUNet's criterion);
//  - evolutionary search inside one pair: population, mutation, crossover; hard constraints on SRAM,
//    flash and latency; the score is MACs (MCUNet's proxy, labelled as such) or the accuracy a
//    user's evaluator command reports (search/evaluator_hook.h). Deterministic for a given seed.
// All calls are blocking (run them on a worker) and report progress / take Cancel through `job`.

#include "common/job.h"
#include "search/evaluate.h"
#include "search/space.h"

#include <functional>

namespace ts {

// ---- zoo ranking
struct ZooEntry {
    std::string path, name;
    std::string error;            // import or analysis failed: why (the model cannot run)
    CandidateFigures figures;
};
// Ranked: models that fit first, then by peak SRAM, flash, MACs (more first) and latency; models
// that cannot run last. Errors: the folder cannot be read or holds no .tflite file.
Result<std::vector<ZooEntry>> rankZoo(const std::string& dir, const Board& board, const BoardSet& boards,
                                      const EvalOptions& options, const JobControl* job = nullptr);
QJsonObject zooEntryToJson(const ZooEntry& e);

// ---- search-space optimization
struct SpacePair {
    int resolution = 0;
    double width = 0;
    int samples = 0, fitting = 0;
    std::vector<int64_t> fittingMacs; // sorted ascending: the CDF of MACs of the fitting candidates
    double meanMacs = 0;              // over the fitting candidates (0 when none fits)
    double fitFraction() const { return samples ? double(fitting) / samples : 0; }
};
struct SpaceOptOptions {
    int samplesPerPair = 1000;
    uint64_t seed = 1;
    double minFitFraction = 0.05; // a pair where fewer candidates fit is not recommended
    EvalOptions eval;
    std::vector<int> resolutions; // empty: all of the space's
    std::vector<double> widths;   // empty: all of the space's
};
struct SpaceOptResult {
    std::vector<SpacePair> pairs;
    int recommended = -1;         // index in pairs, -1 when no pair has enough fitting candidates
    int64_t evaluated = 0;
    double seconds = 0;
};
Result<SpaceOptResult> optimizeSearchSpace(const SearchSpace& space, const Board& board, const BoardSet& boards,
                                           const SpaceOptOptions& options, const JobControl* job = nullptr);
QJsonObject spaceOptToJson(const SpaceOptResult& r, bool withCdf);

// ---- evolutionary search
struct Candidate {
    Architecture arch;
    CandidateFigures figures;
    int generation = 0;
    double score = 0;             // MACs (proxy) or accuracy; meaningful when scored
    bool scored = false;
    double accuracy = -1;         // from the evaluator, when one ran
    std::string evaluatorError;
};
struct EvolutionOptions {
    int resolution = 0;           // the pair to search in (0: the space's largest / widest)
    double width = 0;
    int population = 100;
    int generations = 20;
    double parentRatio = 0.25;
    double mutationRatio = 0.5;   // of the children; the rest come from crossover
    double mutationProb = 0.1;
    uint64_t seed = 1;
    EvalOptions eval;
    std::string evaluator;        // command; empty: the MACs proxy
    int evaluatorProcesses = 2;
    int evaluatorTimeoutMs = 600000;
    std::string workDir;          // for the evaluator's files (empty: a temporary folder)
    int keep = 10;                // best candidates listed
};
struct EvolutionResult {
    std::vector<Candidate> candidates; // every distinct architecture evaluated, in order
    std::vector<int> best;             // indices, best score first (feasible and scored only)
    std::vector<int> pareto;           // feasible candidates on the front of (score up, peak SRAM down)
    std::string scoreName;             // "MACs (proxy)" or "accuracy (evaluator)"
    int generations = 0;
    double seconds = 0;
};
// `onGeneration` (optional) after each generation, from the worker thread, with the result so far.
Result<EvolutionResult> runEvolution(const SearchSpace& space, const Board& board, const BoardSet& boards,
                                     const EvolutionOptions& options, const JobControl* job = nullptr,
                                     const std::function<void(const EvolutionResult&)>& onGeneration = {});
QJsonObject candidateToJson(const Candidate& c);

// Indices of `points` (x minimised, y maximised) on the Pareto front, by x.
std::vector<int> paretoFront(const std::vector<std::pair<double, double>>& points);

} // namespace ts
