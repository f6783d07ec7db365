#include "probe/pluginmanager.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QLibrary>
#include <QPluginLoader>

#include <algorithm>

namespace ts {

std::vector<std::string> PluginManager::defaultDirs()
{
    std::vector<std::string> dirs;
    const QString env = qEnvironmentVariable("TINYSTUDIO_PLUGIN_PATH");
    for (const QString& d : env.split(':', Qt::SkipEmptyParts))
        dirs.push_back(d.toStdString());
    dirs.push_back(TINYSTUDIO_PLUGIN_DIR);
    if (QCoreApplication::instance()) {
        const QString app = QCoreApplication::applicationDirPath();
        dirs.push_back((app + "/../plugins/probes").toStdString());
        dirs.push_back((app + "/../lib/tinystudio/plugins").toStdString());
    }
    return dirs;
}

PluginManager::PluginManager(std::vector<std::string> dirs) : m_dirs(std::move(dirs)) {}

PluginManager::~PluginManager()
{
    // Plugins stay loaded until the process ends (QPluginLoader instances share the library); the
    // drivers' sessions are closed by their owners before this.
}

void PluginManager::load()
{
    if (m_loaded)
        return;
    m_loaded = true;
    QStringList seen;
    for (const std::string& d : m_dirs) {
        QDir dir(QString::fromStdString(d));
        if (!dir.exists())
            continue;
        for (const QFileInfo& fi : dir.entryInfoList(QDir::Files, QDir::Name)) {
            if (!QLibrary::isLibrary(fi.fileName()))
                continue;
            const QString canonical = fi.canonicalFilePath();
            if (seen.contains(canonical) || seen.contains(fi.fileName()))
                continue; // the first folder wins for a plugin of the same file name
            seen << canonical << fi.fileName();
            auto loader = std::make_unique<QPluginLoader>(canonical);
            PluginRecord rec;
            rec.file = canonical.toStdString();
            const QJsonObject meta = loader->metaData();
            const QJsonObject data = meta.value("MetaData").toObject();
            rec.name = data.value("name").toString(fi.baseName()).toStdString();
            rec.description = data.value("description").toString().toStdString();
            rec.version = data.value("version").toInt();
            if (meta.isEmpty()) {
                rec.error = "no Qt plugin metadata (not a TinyStudio plugin?)";
            } else if (meta.value("IID").toString() != QLatin1String(TS_PROBE_DRIVER_IID)) {
                rec.error = "interface " + meta.value("IID").toString().toStdString() + ", expected " TS_PROBE_DRIVER_IID;
            } else if (QObject* o = loader->instance()) {
                rec.driver = qobject_cast<ProbeDriver*>(o);
                if (!rec.driver)
                    rec.error = "the plugin object does not implement " TS_PROBE_DRIVER_IID;
            } else {
                rec.error = loader->errorString().toStdString();
            }
            rec.loaded = rec.driver != nullptr;
            if (rec.driver && rec.driver->name() != rec.name)
                rec.name = rec.driver->name();
            m_plugins.push_back(std::move(rec));
            m_loaders.push_back(std::move(loader));
        }
    }
}

void PluginManager::addDriver(ProbeDriver* d, const std::string& description)
{
    m_plugins.erase(std::remove_if(m_plugins.begin(), m_plugins.end(),
                                   [&](const PluginRecord& p) { return p.name == d->name(); }),
                    m_plugins.end());
    PluginRecord rec;
    rec.name = d->name();
    rec.description = description.empty() ? d->description() : description;
    rec.loaded = true;
    rec.driver = d;
    m_plugins.push_back(std::move(rec));
}

ProbeDriver* PluginManager::driver(const std::string& name) const
{
    for (const PluginRecord& p : m_plugins)
        if (p.driver && p.name == name)
            return p.driver;
    return nullptr;
}

std::vector<ProbeDriver*> PluginManager::drivers() const
{
    std::vector<ProbeDriver*> out;
    for (const PluginRecord& p : m_plugins)
        if (p.driver)
            out.push_back(p.driver);
    return out;
}

Diagnostics PluginManager::diagnostics() const
{
    Diagnostics d;
    for (const PluginRecord& p : m_plugins)
        if (!p.loaded)
            d.push_back(makeWarning(p.file, "plugin", "the probe plugin '" + p.name + "' did not load: " + p.error));
    return d;
}

PluginManager& probePlugins()
{
    static PluginManager manager;
    manager.load();
    return manager;
}

} // namespace ts
