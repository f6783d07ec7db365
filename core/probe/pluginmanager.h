#pragma once
// Finds the probe plugins: every shared library in the plugin folders whose metadata names the
// ProbeDriver interface (TS_PROBE_DRIVER_IID). Metadata (plugin.json: name, description, version)
// is read before anything is loaded; a plugin that fails to load or has a foreign IID is reported
// with the file and the loader's reason, never silently skipped. Drivers can also be registered in
// process (tests put a simulated target behind them).

#include "common/diagnostic.h"
#include "probe/probe.h"

#include <memory>
#include <string>
#include <vector>

class QPluginLoader;

namespace ts {

struct PluginRecord {
    std::string file;          // the library path ("" for an in-process driver)
    std::string name;          // from plugin.json: "qemu", "stlink"
    std::string description;
    int version = 0;
    bool loaded = false;
    std::string error;         // why it did not load
    ProbeDriver* driver = nullptr;
};

class PluginManager {
public:
    // $TINYSTUDIO_PLUGIN_PATH (':'-separated), then the build tree's plugins/probes, then
    // <application dir>/../plugins/probes and <application dir>/../lib/tinystudio/plugins.
    static std::vector<std::string> defaultDirs();

    explicit PluginManager(std::vector<std::string> dirs = defaultDirs());
    ~PluginManager();
    PluginManager(const PluginManager&) = delete;
    PluginManager& operator=(const PluginManager&) = delete;

    // Scans the folders (once; later calls do nothing).
    void load();
    // An in-process driver (owned by the caller, who keeps it alive); replaces a plugin of that name.
    void addDriver(ProbeDriver* driver, const std::string& description = {});

    const std::vector<PluginRecord>& plugins() const { return m_plugins; }
    ProbeDriver* driver(const std::string& name) const;
    std::vector<ProbeDriver*> drivers() const;
    // One warning per plugin that failed to load.
    Diagnostics diagnostics() const;

private:
    std::vector<std::string> m_dirs;
    std::vector<PluginRecord> m_plugins;
    std::vector<std::unique_ptr<QPluginLoader>> m_loaders;
    bool m_loaded = false;
};

// One manager for the process (the CLI and the studio), loaded on first use.
PluginManager& probePlugins();

} // namespace ts
